// The markup the v5 API accepts inside a text block. Anything else with a raw
// `<` or `>` has been seen to make the real API answer 422, so both the client
// (before sending) and the fake Channel Talk (to answer like the real one)
// check it. Reasons name positions and tag kinds only, never the text: it may
// be customer data.
import { MessageBodySchema, type Block } from './wire.js';

interface TagRule {
  re: RegExp;
  name: 'b' | 'i' | 'link';
  closing: boolean;
}

const TAGS: TagRule[] = [
  { re: /<b>/y, name: 'b', closing: false },
  { re: /<\/b>/y, name: 'b', closing: true },
  { re: /<i>/y, name: 'i', closing: false },
  { re: /<\/i>/y, name: 'i', closing: true },
  { re: /<link type="url"(?: value="[^"<>]*")?>/y, name: 'link', closing: false },
  // A mention: a manager's id, or "all".
  { re: /<link type="manager" value="(?:all|[A-Za-z0-9_-]{1,64})">/y, name: 'link', closing: false },
  { re: /<\/link>/y, name: 'link', closing: true },
];

/** null when `value` is acceptable in a text block, else why not. */
export function checkTextMarkup(value: string): string | null {
  const open: Array<TagRule['name']> = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '>') return `unescaped '>' at position ${i}`;
    if (ch !== '<') continue;
    const tag = matchTag(value, i);
    if (tag === null) return `unsupported tag or unescaped '<' at position ${i}`;
    if (tag.closing) {
      const top = open.pop();
      if (top !== tag.rule.name) return `</${tag.rule.name}> at position ${i} does not close the innermost open tag`;
    } else {
      // A link inside a link has no meaning and is not shown in any documented example.
      if (tag.rule.name === 'link' && open.includes('link')) return `nested <link> at position ${i}`;
      open.push(tag.rule.name);
    }
    i += tag.length - 1;
  }
  const unclosed = open.pop();
  return unclosed === undefined ? null : `unclosed <${unclosed}>`;
}

function matchTag(value: string, at: number): { rule: TagRule; length: number; closing: boolean } | null {
  for (const rule of TAGS) {
    rule.re.lastIndex = at;
    const m = rule.re.exec(value);
    if (m) return { rule, length: m[0].length, closing: rule.closing };
  }
  return null;
}

const NEEDS_ESCAPE = /[&<>"]/;

/** Makes user-supplied text safe to embed in a text block. Most values (numbers, names) need nothing: one test, no replace. */
export function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * Everything the real API would reject in a message body: the schema and the
 * markup of every text value (nested bullets included). Empty when acceptable.
 */
export function messageBodyProblems(body: unknown): string[] {
  const parsed = MessageBodySchema.safeParse(body);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
      return `${where}: ${issue.message}`;
    });
  }
  const problems: string[] = [];
  const walk = (blocks: readonly Block[], at: string): void => {
    blocks.forEach((block, i) => {
      const where = `${at}.${i}`;
      switch (block.type) {
        case 'text': {
          const reason = checkTextMarkup(block.value);
          if (reason !== null) problems.push(`${where}.value: ${reason}`);
          return;
        }
        case 'bullets':
          walk(block.blocks, `${where}.blocks`);
          return;
        case 'code':
          return;
        default: {
          const _never: never = block;
          throw new Error(`unknown block ${String(_never)}`);
        }
      }
    });
  };
  walk(parsed.data.blocks ?? [], 'blocks');
  return problems;
}
