// Pacing precision: several chats run diet-main at once with a scaled delay;
// for each pair of consecutive messages of a chat, the gap measured at the
// fake minus the planned gap (delay × DELAY_SCALE). Baseline: the same gaps
// waited by bare setTimeout chains, as many at once, in this process: the
// timer jitter floor.
import path from 'node:path';
import { chatOpenedTemplate } from '../lib/bodies.js';
import { dietMainPlan, waitForAccepted } from '../lib/flow.js';
import { runLoad } from '../lib/load.js';
import { removeDir, startFake, startService, tempDir, WEBHOOK_TOKEN } from '../lib/procs.js';
import { figure, type StageResult } from '../lib/report.js';
import { summarize } from '../lib/stats.js';

const S = 'pacing';

/** `chains` concurrent setTimeout chains over `gaps` (ms); the lateness of every wake-up. */
export async function timerErrors(gaps: number[], chains: number): Promise<number[]> {
  const errors: number[] = [];
  const chain = async () => {
    let prev = performance.now();
    for (const g of gaps) {
      await new Promise((r) => setTimeout(r, g));
      const now = performance.now();
      errors.push(now - prev - g);
      prev = now;
    }
  };
  await Promise.all(Array.from({ length: chains }, chain));
  return errors;
}

export async function pacingStage(o: { chats: number; delayScale: number; progress: (l: string) => void }): Promise<StageResult> {
  const p = await dietMainPlan();
  const planned = p.messages.map((m) => m.delayMs * o.delayScale);
  const total = o.chats * planned.length;
  const fake = await startFake();
  const dir = tempDir();
  try {
    o.progress(`pacing: DELAY_SCALE=${o.delayScale}, ${o.chats} chats at once, ${planned.length} messages each`);
    const svc = await startService({ fakeUrl: fake.url, dbFile: path.join(dir, 'curation.db'), delayScale: o.delayScale });
    let complete: boolean;
    try {
      const { result: webhooks } = await runLoad({
        url: svc.url,
        headers: {},
        connections: Math.min(o.chats, 32),
        amount: o.chats,
        maxSeconds: 60,
        variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: chatOpenedTemplate() }],
        idPrefix: 'p',
      });
      if (webhooks.ok !== o.chats) throw new Error(`${webhooks.ok} of ${o.chats} webhooks answered 200`);
      const sequenceMs = planned.reduce((a, b) => a + b, 0);
      complete = await waitForAccepted(fake, total, 30_000 + 3 * sequenceMs, o.progress, 'pacing');
    } finally {
      await svc.stop();
    }
    const received = await fake.received();
    const byChat = new Map<string, number[]>();
    for (const m of received.messages) {
      const list = byChat.get(m.chatId) ?? [];
      list.push(m.receivedAt);
      byChat.set(m.chatId, list);
    }
    const errors: number[] = [];
    for (const times of byChat.values()) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) errors.push(times[i]! - times[i - 1]! - planned[i]!);
    }
    const service = summarize(errors);

    o.progress(`pacing: baseline, ${o.chats} setTimeout chains over the same gaps`);
    const timer = summarize(await timerErrors(planned.slice(1), o.chats));
    const result: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        figure(S, `gap error p50 (measured − planned ${planned[1]} ms), ${o.chats} chats`, service.p50, 'ms', timer.p50, 'bare setTimeout chains, same gaps', { ratioLabel: 'service / setTimeout' }),
        figure(S, 'gap error p99', service.p99, 'ms', timer.p99, 'bare setTimeout chains, same gaps', {
          ratioLabel: 'service / setTimeout',
          note: `${service.count} gaps; min ${service.min.toFixed(1)} ms (negative = early), max ${service.max.toFixed(1)} ms`,
        }),
      ],
      details: { delayScale: o.delayScale, chats: o.chats, plannedGapsMs: planned, service, timer, receivedMessages: received.messages.length },
    };
    const problems: string[] = [];
    if (!complete || received.messages.length !== total) problems.push(`the fake has ${received.messages.length} of ${total} messages`);
    if (service.min < -5) problems.push(`a message came ${(-service.min).toFixed(1)} ms early`);
    if (problems.length > 0) result.error = problems.join('; ');
    return result;
  } finally {
    await fake.stop();
    removeDir(dir);
  }
}
