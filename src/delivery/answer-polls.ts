// Finding a form's answer without a webhook (issue 17 item 1). When a
// customer submits a form, Channel Talk writes the values into the profile
// and updates the form's own message; no webhook scope delivers either, and
// the contact upsert fires only for contact fields. So while a run waits in
// `awaiting`, its customer's profile is read (GET /users/{id}) on a schedule
// that starts fast and backs off, and at once whenever that customer writes
// in the chat. Pure: the schedule and the comparison; the answerPoll job
// (jobs/handlers/answer-read.ts) does the reading.

export interface AnswerPollSchedule {
  /** The first read, this long after the run asked; each interval after it is twice the one before. */
  firstMs: number;
  /** No interval is longer. */
  capMs: number;
}

/**
 * The first scheduled read after `now`, for a run that asked at `askedAt`:
 * reads at askedAt + first, + 2·first, + 4·first … (each interval doubled, at
 * most capMs). Bounded work whatever the span: the doubling part is at most
 * log2(cap/first) steps, the capped part is arithmetic.
 */
export function nextAnswerReadAt(askedAt: number, now: number, s: AnswerPollSchedule): number {
  const first = Math.max(1, s.firstMs);
  const cap = Math.max(first, s.capMs);
  let at = askedAt + first;
  let interval = first;
  while (at <= now && interval < cap) {
    interval = Math.min(cap, interval * 2);
    at += interval;
  }
  if (at > now) return at;
  // Past the doubling: every read is `cap` after the one before.
  return at + (Math.floor((now - at) / cap) + 1) * cap;
}

/**
 * The asked keys whose value in the profile read now differs from the
 * profile the run was planned with: the answer came when one has. A key
 * absent before and now present counts; the same value again does not (the
 * customer reopened the chat, or another field changed).
 */
export function changedAnswers(asked: readonly string[], plannedWith: Record<string, unknown> | null, now: Record<string, unknown>): string[] {
  const before = plannedWith ?? {};
  return asked.filter((k) => canonical(now[k]) !== canonical(before[k]));
}

/** Values compared as JSON, absent and null alike: an emptied answer is no answer. */
function canonical(v: unknown): string {
  if (v === undefined || v === null || v === '') return 'null';
  return JSON.stringify(v);
}
