// Under a rate limit: the fake allows N requests per second per channel (fixed
// one-second windows, like the real API's x-ratelimit-* headers). The service
// should keep close to N without being refused much: achieved rate as a
// fraction of N, and the count of 429 answers.
import path from 'node:path';
import { chatOpenedTemplate } from '../lib/bodies.js';
import { dietMainPlan, waitForAccepted } from '../lib/flow.js';
import { runLoad } from '../lib/load.js';
import { removeDir, startFake, startService, tempDir, WEBHOOK_TOKEN } from '../lib/procs.js';
import { figure, type StageResult } from '../lib/report.js';

const S = 'rate limit';

/** Messages per wall-clock second (the limiter's windows), without the first and last, partial, seconds. */
export function perSecondWindows(times: number[]): { full: number[]; all: Map<number, number> } {
  const all = new Map<number, number>();
  for (const t of times) {
    const s = Math.floor(t / 1000);
    all.set(s, (all.get(s) ?? 0) + 1);
  }
  const secs = [...all.keys()].sort((a, b) => a - b);
  const full: number[] = [];
  for (let s = (secs[0] ?? 0) + 1; s < (secs[secs.length - 1] ?? 0); s++) full.push(all.get(s) ?? 0);
  return { full, all };
}

export async function rateLimitStage(o: { perSecond: number; chats: number; progress: (l: string) => void }): Promise<StageResult> {
  const p = await dietMainPlan();
  const total = o.chats * p.messages.length;
  const fake = await startFake();
  const dir = tempDir();
  try {
    await fake.control('/_fake/rate-limit', { perSecond: o.perSecond });
    o.progress(`rate limit: ${o.perSecond}/s at the fake, ${o.chats} chats → ${total} messages (about ${Math.ceil(total / o.perSecond)} s)`);
    const svc = await startService({ fakeUrl: fake.url, dbFile: path.join(dir, 'curation.db'), delayScale: 0 });
    let complete: boolean;
    let errorLines: number;
    try {
      const { result: webhooks } = await runLoad({
        url: svc.url,
        headers: {},
        connections: Math.min(o.chats, 8),
        amount: o.chats,
        maxSeconds: 60,
        variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: chatOpenedTemplate() }],
        idPrefix: 'r',
      });
      if (webhooks.ok !== o.chats) throw new Error(`${webhooks.ok} of ${o.chats} webhooks answered 200`);
      complete = await waitForAccepted(fake, total, 30_000 + (3 * total * 1000) / o.perSecond, o.progress, 'rate limit');
      errorLines = svc.errorLines();
    } finally {
      await svc.stop();
    }
    const received = await fake.received();
    const times = received.messages.map((m) => m.receivedAt).sort((a, b) => a - b);
    const { full, all } = perSecondWindows(times);
    const spanS = ((times[times.length - 1] ?? 0) - (times[0] ?? 0)) / 1000;
    // Steady state: the mean over whole seconds; a run too short for any falls back to the overall rate.
    const steady = full.length > 0 ? full.reduce((a, b) => a + b, 0) / full.length : times.length / Math.max(spanS, 1e-3);
    const overall = times.length / Math.max(spanS, 1e-3);
    const rejected429 = received.rateLimited;
    const result: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        figure(S, `send rate under a limit of ${o.perSecond}/s (whole seconds)`, steady, '/s', o.perSecond, 'the limit N', {
          ratioLabel: 'fraction of N',
          note: `overall ${overall.toFixed(1)}/s over ${spanS.toFixed(1)} s; busiest second ${Math.max(...all.values())}`,
        }),
        figure(S, '429 answers from the fake', rejected429, '', total, `messages sent (${total})`, { ratioLabel: '429s per message' }),
      ],
      details: {
        limitPerSecond: o.perSecond,
        chats: o.chats,
        expectedMessages: total,
        receivedMessages: received.messages.length,
        duplicateRequestIds: received.duplicateRequestIds,
        fakeRequests: received.requests,
        rateLimited: rejected429,
        perSecondFullWindows: full,
        steadyPerSecond: steady,
        overallPerSecond: overall,
        spanSeconds: spanS,
        serviceErrorLines: errorLines,
      },
    };
    const problems: string[] = [];
    if (!complete || received.messages.length !== total) problems.push(`the fake has ${received.messages.length} of ${total} messages`);
    if (received.duplicateRequestIds > 0) problems.push(`${received.duplicateRequestIds} duplicate sends`);
    if (problems.length > 0) result.error = problems.join('; ');
    return result;
  } finally {
    await fake.stop();
    removeDir(dir);
  }
}
