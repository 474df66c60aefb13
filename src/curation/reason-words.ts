// A reason as words: the console's catalogue key (`reason.<code>`) and its
// values, next to the English sentence the logs, the CLI and curl read
// (which stays as it was). The console words them in the operator's language
// and shows keys under the curation's labels. Params hold ids, keys and the
// curation's own text only, never a customer's answer (no weight, age or free
// text): they are stored with the run.
//
// A param named `field` or `value` (a key), or `fields` or `problems` (lists;
// a problem is `key:kind`), is shown under its label, `event` as the event's
// kind in words, `waitMs` as a duration; any other as it is (static/words.js).
import type { Words } from '../words.js';

export const REASON_CODES = [
  // plan() (src/curation/plan.ts)
  'noConsent',
  'answersMissing',
  'askedInChat',
  'fallbackNotRendered',
  'internalError',
  'computeFailed',
  'renderFailed',
  'overLimit',
  'chosen',
  // delivery (src/delivery/**, src/jobs/handlers/**)
  'stoppedByOperator',
  'humanTakeover',
  'takeoverClosed',
  'takeoverSnoozed',
  'takeoverAssigned',
  'takeoverTeam',
  'noAnswerWithin',
  'messageFailed',
  'sendFailed',
  'curationGone',
  'profileFetch',
  'writeBackFailed',
  'noChat',
  'noCurationMatched',
  'takeoverNothingRunning',
  'cooldown',
  'alreadyRan',
  'answerNotTouched',
  'noRunWaits',
  'answeredWhileAsking',
  // an ignored delivery: the normalizer's words (`ignored.*`) as its `why`
  'ignored',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** A param's value: text, a number, keys, or a sentence of the catalogue itself (a failure's detail, src/words.ts). */
export type ReasonParam = string | number | readonly string[] | Words;

export interface ReasonWords {
  code: ReasonCode;
  params: Record<string, ReasonParam>;
}

export const reasonWords = (code: ReasonCode, params: Record<string, ReasonParam> = {}): ReasonWords => ({ code, params });

/** A reason as it is stored: the English sentence, and the same in words (parts, shown one after another). */
export interface Reason {
  text: string;
  words: ReasonWords[];
}

export const reason = (text: string, ...words: ReasonWords[]): Reason => ({ text, words });

/** `weight:missing`: a problem as a `problems` param holds it (keys and kinds only). */
export const problemParam = (problems: readonly { field: string; problem: string }[]): string[] => problems.map((p) => `${p.field}:${p.problem}`);

/** The columns a reason is stored in: the English text, and its words as JSON (null when there are none). */
export function reasonColumns(r: Reason | null): { reason: string | null; reason_words: string | null } {
  return { reason: r?.text ?? null, reason_words: r && r.words.length > 0 ? JSON.stringify(r.words) : null };
}

/** Stored words back, or null for a row written before them (the console then shows the English). Anything unknown is dropped, not guessed. */
export function parseReasonWords(json: string | null | undefined): ReasonWords[] | null {
  if (!json) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const known = new Set<string>(REASON_CODES);
  const out = parsed.filter((w): w is ReasonWords => typeof w === 'object' && w !== null && known.has((w as ReasonWords).code) && typeof (w as ReasonWords).params === 'object');
  return out.length === parsed.length && out.length > 0 ? out : null;
}

/** A store function's reason: the words, or a bare English sentence (a caller or test with none; the console shows it as it is). */
export const asReason = (r: string | Reason): Reason => (typeof r === 'string' ? { text: r, words: [] } : r);
