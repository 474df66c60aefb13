// The compiled side of a Curation (closures, parsed templates, matchers). Kept
// beside the public object, not inside it, so a Curation stays plain data.
import type { Evaluator } from './expressions.js';
import type { CompiledTemplate } from './templates.js';
import type { DelaySpec } from './delays.js';
import type { CompiledTrigger } from './triggers/registry.js';
import type { CompiledField } from './profile.js';
import type { MessageOption } from '../channeltalk/wire.js';
import type { CompiledAttachment, CompiledBlock } from './blocks/registry.js';
import type { CompiledButton } from './buttons.js';
import type { Curation } from './types.js';
import type { PathSegment } from './load-errors.js';
import type { CompiledUserEvent } from './user-event.js';
import type { CompiledAsk } from './ask.js';

/** One template per language the curation speaks. */
export type Localized = Map<string, CompiledTemplate>;

export type { CompiledBlock, CompiledAttachment } from './blocks/registry.js';
export type { CompiledButton } from './buttons.js';

export interface CompiledMessage {
  /** Where it is in the file, e.g. ['messages', 3], for reasons and load errors. */
  path: PathSegment[];
  when: Evaluator | null;
  delay: DelaySpec;
  blocks: CompiledBlock[];
  /** Files, a web page, a form: beside the blocks, at most one of each. */
  attachments: CompiledAttachment[];
  buttons: CompiledButton[];
  /** The message's `options` (silent, private, …), as written; empty for none. */
  options: MessageOption[];
  /** What rendering it in every language costs the dry run, in load-budget units. */
  cost: number;
}

export interface CompiledValue {
  name: string;
  evaluate: Evaluator;
}

export interface CompiledCuration {
  fields: CompiledField[];
  values: CompiledValue[];
  /** Every computed value's name, each undefined, in order: a plan's values object is created from it and filled. */
  valueKeys: Record<string, undefined>;
  /**
   * A plan's scope before it is filled: the settings, then every field, now,
   * lang and every value (undefined), in that order. Copied from one object,
   * the scope stays an object with fixed fields (sequence.ts computeValues);
   * built from several spreads and ~30 keys added one by one, it became a
   * hash table that every expression and template read from.
   */
  scopeShape: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** The trigger's condition on an event (triggers/registry.ts). */
  trigger: CompiledTrigger;
  messages: CompiledMessage[];
  fallback: CompiledMessage[];
  /** `fallback.ask`: ask for the missing answers in the chat instead (ask.ts). */
  ask: CompiledAsk | null;
  consentFallback: CompiledMessage[] | null;
  /** Rendered by plan() on a sequence; null when the curation sends no user event. */
  userEvent: CompiledUserEvent | null;
}

const compiled = new WeakMap<Curation, CompiledCuration>();

export function attach(c: Curation, inner: CompiledCuration): void {
  compiled.set(c, inner);
}

export function internalsOf(c: Curation): CompiledCuration {
  const inner = compiled.get(c);
  if (!inner) throw new Error(`curation ${c.id} was not built by loadCurations`);
  return inner;
}

/** The same compiled curation, naming the stored version it came from (src/versions/): one compilation serves every version of the same text. */
export function withVersion(c: Curation, version: NonNullable<Curation['version']>): Curation {
  const copy: Curation = { ...c, version };
  attach(copy, internalsOf(c));
  return copy;
}
