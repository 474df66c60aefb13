// A customer's name as a viewer sees it: enough to tell two runs apart, not
// enough to know who it is. 홍길동 → 홍*동, 김수 → 김*, John Smith → J********h.
// Counted in characters (code points), so a Korean name keeps its syllables.
export function maskName(name: string | null): string | null {
  if (name === null) return null;
  const chars = Array.from(name);
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}
