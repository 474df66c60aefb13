// Everything the fake refuses in a message create request: the OpenAPI
// document's schema (spec.ts), and the text markup that the real API has been
// seen to refuse with 422 (a raw `<` or `>` outside the documented tags).
import { checkTextMarkup } from '../channeltalk/markup.js';
import { problemsOf, SpecMessageCreateSchema, type SpecBlock } from './spec.js';

export function specMessageProblems(body: unknown): string[] {
  const parsed = SpecMessageCreateSchema.safeParse(body);
  if (!parsed.success) return problemsOf(parsed.error);
  const problems: string[] = [];
  const walk = (blocks: SpecBlock[] | undefined, at: string): void => {
    blocks?.forEach((block, i) => {
      const where = `${at}.${i}`;
      if (block.type === 'text' && block.value !== undefined) {
        const reason = checkTextMarkup(block.value);
        if (reason !== null) problems.push(`${where}.value: ${reason}`);
      }
      walk(block.blocks, `${where}.blocks`);
    });
  };
  walk(parsed.data.blocks, 'blocks');
  return problems;
}
