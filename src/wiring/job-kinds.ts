// Every job kind the service runs, each registered by its own file from the
// service's parts. The map's type lists every kind of JobPayloads, so a kind
// without its registration (or one under another kind's name) does not
// compile: a new kind is its payload in delivery/job-kinds.ts, its handler file
// with its `<kind>Kind`, and one line here.
import type { JobHandler } from '../jobs/types.js';
import type { JobKind, JobPayloads } from '../delivery/job-kinds.js';
import type { KindContext } from './kind-context.js';
import { planEventKind } from '../jobs/handlers/plan-event.js';
import { sendMessageKind } from '../jobs/handlers/send-message.js';
import { planRunKind } from '../jobs/handlers/plan-run.js';
import { writeBackKind } from '../jobs/handlers/write-back.js';
import { userEventKind } from '../jobs/handlers/user-event.js';
import { webhookHealthKind } from '../jobs/handlers/webhook-health.js';
import { sweepKind } from '../jobs/handlers/sweep.js';
import { answerWaitKind } from '../jobs/handlers/answer-wait.js';
import { answerPollKind } from '../jobs/handlers/answer-poll.js';
import { wakeRunKind } from '../jobs/handlers/wake-run.js';

type Registration<K extends JobKind> = (c: KindContext) => JobHandler<JobPayloads[K]> & { kind: K };

export const JOB_KINDS: { [K in JobKind]: Registration<K> } = {
  planEvent: planEventKind,
  sendMessage: sendMessageKind,
  planRun: planRunKind,
  writeBack: writeBackKind,
  userEvent: userEventKind,
  webhookHealth: webhookHealthKind,
  sweep: sweepKind,
  answerWait: answerWaitKind,
  answerPoll: answerPollKind,
  wakeRun: wakeRunKind,
};

/** Every kind's handler, for the job runner. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jobHandlers(c: KindContext): Array<JobHandler<any>> {
  return Object.values(JOB_KINDS).map((register) => register(c));
}
