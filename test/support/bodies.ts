// Reading sent message bodies in tests: a link button's address, and every
// text of a block (nested bullets included).
import assert from 'node:assert/strict';
import type { Block, Button } from '../../src/channeltalk/wire.js';

/** The address of a link button; a button of another action fails the test. */
export function webUrl(b: Button): string;
export function webUrl(b: Button | undefined): string | undefined;
export function webUrl(b: Button | undefined): string | undefined {
  if (b === undefined) return undefined;
  assert.equal(b.action.type, 'web', `'${b.title}' is a link button`);
  return b.action.type === 'web' ? b.action.attributes.url : undefined;
}

/** The values of a block: a text's or a code block's, or each bullet's, nested ones too. */
export function valuesOf(b: Block): string[] {
  return b.type === 'bullets' ? b.blocks.flatMap(valuesOf) : [b.value];
}
