// `fallback.ask`: instead of the fallback's messages, ask the customer in the
// chat for the answers that are missing or odd, with a form whose inputs are
// bound to their profile keys. Compiled and checked at load; at plan time each
// form keeps only the inputs for the answers that have a problem.
import { parseDuration, formatDuration } from './durations.js';
import { compileMessages, type MessageContext } from './compile-messages.js';
import { CurationFileError, formatPath, said, type PathSegment } from './load-errors.js';
import type { CompiledAttachment, CompiledMessage } from './internals.js';
import type { AskFile } from './schema.js';

/** The wait for an answer a curation may give: shorter is no time to answer, longer outlives any chat. */
export const MIN_ANSWER_WAIT_MS = 60_000;
export const MAX_ANSWER_WAIT_MS = 30 * 86_400_000;

export interface CompiledAsk {
  /** The curation's own wait; null: the service's default (ANSWER_WAIT_MINUTES). */
  waitMs: number | null;
  messages: CompiledMessage[];
  /** The profile keys its forms ask for. */
  keys: Set<string>;
  /** The same, by field name, in file order: what the console and `check` show. */
  fields: string[];
}

export async function compileAsk(spec: AskFile, path: PathSegment[], ctx: MessageContext): Promise<CompiledAsk | null> {
  const errors = ctx.errors.length;
  const waitMs = spec.wait === undefined ? null : waitOf(spec.wait, [...path, 'wait'], ctx);
  const messages = await compileMessages(spec.messages, [...path, 'messages'], ctx);
  if (!spec.messages.some((m) => m.form !== undefined)) {
    ctx.errors.push(new CurationFileError([...path, 'messages'], said('check.askNeedsForm', {}, 'an ask needs a form: give one of its messages form: {inputs: [...]} with the answers to ask for')));
  }
  const keys = new Set<string>();
  const fields: string[] = [];
  const askedAt = new Map<string, PathSegment[]>();
  for (const m of messages) {
    for (const a of m.attachments) {
      if (a.key !== 'form') continue;
      for (const input of a.inputs) {
        const at = [...input.path, 'field'];
        const f = input.field;
        if (f.consent) {
          ctx.errors.push(new CurationFileError(at, said('check.askConsent', { name: f.name }, `'${f.name}' is the consent flag: without consent the consentFallback is sent, never the ask`)));
        } else if (!f.required) {
          ctx.errors.push(new CurationFileError(
            at,
            said('check.askOptional', { name: f.name }, `'${f.name}' is optional: a missing or odd optional answer never makes the fallback, so this input would never be shown; ask only for required fields`),
          ));
        }
        // One form never asks twice (form.ts refuses it); two messages' forms must not either.
        const before = askedAt.get(f.name);
        if (before !== undefined) ctx.errors.push(new CurationFileError(at, said('check.askTwice', { name: f.name, where: formatPath(before) }, `'${f.name}' is already asked in ${formatPath(before)}: ask for each answer once`)));
        else askedAt.set(f.name, input.path.slice(0, -3));
        if (!keys.has(f.key)) fields.push(f.name);
        keys.add(f.key);
      }
    }
  }
  return ctx.errors.length > errors ? null : { waitMs, messages, keys, fields };
}

function waitOf(text: string, path: PathSegment[], ctx: MessageContext): number | null {
  const ms = parseDuration(text);
  if (ms === null || ms < MIN_ANSWER_WAIT_MS || ms > MAX_ANSWER_WAIT_MS) {
    ctx.errors.push(new CurationFileError(path, said('check.askWait', { min: formatDuration(MIN_ANSWER_WAIT_MS), max: formatDuration(MAX_ANSWER_WAIT_MS), text }, `the wait for the answer must be from ${formatDuration(MIN_ANSWER_WAIT_MS)} to ${formatDuration(MAX_ANSWER_WAIT_MS)}, such as 24h (it is ${text})`)));
    return null;
  }
  return ms;
}

/**
 * Whether the ask can fix what is wrong: every problem is an answer one of
 * its forms asks for. Otherwise the customer could answer and still get the
 * fallback, so the plain fallback is sent at once.
 */
export function askCovers(ask: CompiledAsk, problemKeys: readonly string[]): boolean {
  return problemKeys.length > 0 && problemKeys.every((k) => ask.keys.has(k));
}

/** The ask's messages with each form keeping only the inputs for `keys`; a form left without inputs is left out (and a message left with nothing is not sent). */
export function askingFor(ask: CompiledAsk, keys: ReadonlySet<string>): CompiledMessage[] {
  return ask.messages.map((m) => ({
    ...m,
    attachments: m.attachments.flatMap((a): CompiledAttachment[] => {
      if (a.key !== 'form') return [a];
      const inputs = a.inputs.filter((i) => keys.has(i.field.key));
      return inputs.length > 0 ? [{ ...a, inputs }] : [];
    }),
  }));
}
