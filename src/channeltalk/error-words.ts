// A failed Channel Talk call as catalogue words (`health.*`), for the console
// in the operator's language: the error's message says the same in English
// (a test holds the two together). Ids, paths and statuses only, as in the
// message itself.
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError, type UnavailableReason } from './errors.js';
import { words, type Words } from '../words.js';

/** Why Channel Talk was unavailable, one word each (the catalogue test checks `health.why.*` against this). */
export const UNAVAILABLE_REASONS = { network: true, timeout: true, server_error: true, rate_limited: true, paced: true } as const satisfies Record<UnavailableReason, true>;

export const why = (reason: UnavailableReason): Words[] => [words(`health.why.${reason}`)];

/** The error's message as words; an error of another kind keeps its own message (English), capped. */
export function channelTalkErrorWords(err: unknown): Words {
  if (err instanceof ChannelTalkUnreadableAnswerError) {
    const params = { call: `${err.method} ${err.path}`, limit: err.limit, status: err.status };
    return err.problem === 'too_large' ? words('health.answerTooLarge', params) : words('health.answerTooDeep', params);
  }
  if (err instanceof ChannelTalkRejectedError) {
    const call = `${err.method} ${err.path}`;
    return err.code !== undefined ? words('health.rejectedCode', { call, status: err.status, code: err.code }) : words('health.rejected', { call, status: err.status });
  }
  if (err instanceof ChannelTalkUnavailableError) {
    const call = `${err.method} ${err.path}`;
    return err.status !== undefined ? words('health.unavailableStatus', { call, reason: why(err.reason), status: err.status }) : words('health.unavailable', { call, reason: why(err.reason) });
  }
  return words('health.otherError', { message: err instanceof Error ? err.message.slice(0, 300) : 'unknown error' });
}
