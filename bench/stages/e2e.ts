// End to end: N chat-opened webhooks for diet-main with DELAY_SCALE=0, from
// the first webhook sent until the fake Channel Talk has every message.
// Baseline: the same number of message POSTs sent straight to the fake (same
// bodies, same concurrency as the service's 16 sends in flight), i.e. what
// the API stand-in itself can take. Floor: a bare durable sender
// (bench/lib/bare-sender.ts) sending the same messages to the same fake with
// the same concurrency, committing in flight and sent as an exactly-once
// sender must: the least a sender with a durable commit per send does here.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BareSenderResult } from '../lib/bare-sender.js';
import { chatOpenedTemplate, messageBodies } from '../lib/bodies.js';
import { dbCounts } from '../lib/db.js';
import { dietMainPlan, waitForAccepted } from '../lib/flow.js';
import { GROUP, runLoad } from '../lib/load.js';
import { BOT_NAME, cpuSeconds, DIST, FAKE_KEY, FAKE_SECRET, PeakRss, removeDir, startFake, startService, tempDir, WEBHOOK_TOKEN } from '../lib/procs.js';
import { figure, fmt, type StageResult } from '../lib/report.js';
import { sig } from '../lib/stats.js';
import { ISSUE21 } from '../lib/targets.js';

const S = 'end to end';
/** The service sends at most 16 messages of a channel at once (SEND_SLOTS, src/service.ts). */
export const DISPATCH_CONCURRENCY = 16;

/** The bare durable sender (bare-sender.ts) in a process of its own, its CPU measured by itself over the sending only. */
async function bareSender(fakeUrl: string, dbFile: string, chats: number, bodies: string[]): Promise<BareSenderResult & { fakeCpuMsPerMessage: number | null }> {
  const script = path.join(DIST, 'bench/lib/bare-sender.js');
  const { stdout } = await promisify(execFile)(process.execPath, [script, fakeUrl, dbFile, String(chats), JSON.stringify(bodies), String(DISPATCH_CONCURRENCY)], { maxBuffer: 1024 * 1024 });
  const line = stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(line) as BareSenderResult), fakeCpuMsPerMessage: null };
}

export async function e2eStage(o: { webhooks: number; connections: number; progress: (l: string) => void }): Promise<StageResult> {
  const p = await dietMainPlan();
  const perChat = p.messages.length;
  const total = o.webhooks * perChat;
  const fake = await startFake();
  const dir = tempDir();
  try {
    o.progress(`e2e: baseline, ${total} message POSTs straight to the fake, ${DISPATCH_CONCURRENCY} connections`);
    const fakeCpu0 = cpuSeconds(fake.pid);
    const direct = (
      await runLoad({
        url: fake.url,
        headers: { 'x-access-key': FAKE_KEY, 'x-access-secret': FAKE_SECRET },
        connections: DISPATCH_CONCURRENCY,
        amount: total,
        maxSeconds: 180,
        variants: messageBodies(p).map((body) => ({ path: `/open/v5/user-chats/${GROUP}/messages?botName=${BOT_NAME}`, body })),
        groupSize: perChat,
        idPrefix: 'd',
      })
    ).result;
    const fakeCpu1 = cpuSeconds(fake.pid);
    const directAccepted = (await fake.requestCounts())['200'] ?? 0;
    if (direct.ok !== total || directAccepted !== total) throw new Error(`baseline: the fake accepted ${directAccepted} of ${total} direct posts (${JSON.stringify(direct.statusCodes)})`);
    await fake.control('/_fake/reset', {});

    o.progress(`e2e: floor, a bare durable sender (better-sqlite3 WAL FULL, node:http keep-alive), ${total} messages, ${DISPATCH_CONCURRENCY} in flight`);
    const bareFakeCpu0 = cpuSeconds(fake.pid);
    const bare = await bareSender(fake.url, path.join(dir, 'bare.db'), o.webhooks, messageBodies(p));
    const bareFakeCpu1 = cpuSeconds(fake.pid);
    const bareReceived = await fake.received();
    if (bare.sent !== total || bareReceived.messages.length !== total || bareReceived.duplicateRequestIds !== 0) {
      throw new Error(`bare sender: the fake has ${bareReceived.messages.length} of ${total} messages, ${bareReceived.duplicateRequestIds} duplicates`);
    }
    bare.fakeCpuMsPerMessage = bareFakeCpu0 === null || bareFakeCpu1 === null ? null : ((bareFakeCpu1 - bareFakeCpu0) * 1000) / total;
    const bareRate = total / bare.seconds;
    await fake.control('/_fake/reset', {});

    o.progress(`e2e: service (DELAY_SCALE=0), ${o.webhooks} chat-opened webhooks → ${total} messages`);
    const svc = await startService({ fakeUrl: fake.url, dbFile: path.join(dir, 'curation.db'), delayScale: 0 });
    let webhooks;
    let complete: boolean;
    let peakMb: number;
    let errorLines: number;
    let svcCpu: { start: number | null; end: number | null };
    try {
      const peak = new PeakRss(svc.pid);
      svcCpu = { start: cpuSeconds(svc.pid), end: null };
      const load = runLoad({
        url: svc.url,
        headers: {},
        connections: o.connections,
        amount: o.webhooks,
        maxSeconds: 120,
        variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: chatOpenedTemplate() }],
        idPrefix: 'e',
      });
      // Budget: 15 ms per message (under 70/s) is far slower than any healthy run.
      const arrived = waitForAccepted(fake, total, 60_000 + total * 15, o.progress, 'e2e');
      webhooks = (await load).result;
      complete = await arrived;
      svcCpu.end = cpuSeconds(svc.pid);
      peakMb = peak.stop().peakMb;
      errorLines = svc.errorLines();
    } finally {
      await svc.stop();
    }
    const received = await fake.received();
    const times = received.messages.map((m) => m.receivedAt);
    const last = Math.max(...times);
    const first = Math.min(...times);
    const t0 = webhooks.startedAtEpochMs;
    const seconds = (last - t0) / 1000;
    const rate = received.messages.length / seconds;
    const counts = dbCounts(path.join(dir, 'curation.db'));
    const perMessageMs = (c0: number | null, c1: number | null, n: number) => (c0 === null || c1 === null || n === 0 ? null : ((c1 - c0) * 1000) / n);
    const svcCpuMs = perMessageMs(svcCpu.start, svcCpu.end, received.messages.length);
    const fakeCpuMs = perMessageMs(fakeCpu0, fakeCpu1, total);
    const result: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        figure(S, `${o.webhooks} webhooks → ${total} messages: time until the fake has all`, seconds, 's', direct.elapsedS, `${total} POSTs straight to the fake`, {
          ratioLabel: 'service / direct',
          note: `webhooks answered in ${webhooks.elapsedS.toFixed(2)} s (${webhooks.ok} × 200); first message after ${((first - t0) / 1000).toFixed(2)} s`,
        }),
        figure(S, 'messages/s delivered', rate, '/s', direct.rps, `fake's own acceptance rate, ${DISPATCH_CONCURRENCY} connections`, {
          ratioLabel: 'service / direct',
          target: ISSUE21.e2eRate,
          floor: {
            value: sig(bareRate / direct.rps, 3),
            unit: '×',
            label: `a bare durable sender, same run: ${fmt(sig(bareRate), '/s')} against the fake's direct ${fmt(sig(direct.rps), '/s')}`,
          },
        }),
        figure(S, 'floor: bare durable sender, messages/s', bareRate, '/s', direct.rps, `fake's own acceptance rate, ${DISPATCH_CONCURRENCY} connections`, {
          ratioLabel: 'bare / direct',
          note: `better-sqlite3 WAL synchronous=FULL: in flight committed before each POST, sent + attempt after, claims riding the settles' commit; ${bare.commits} commits (${sig(bare.commits / total, 3)} per message); seeding the rows, not counted: ${sig(bare.seedCpuMsPerMessage, 3)} ms CPU per message`,
        }),
        figure(S, 'floor: bare durable sender, CPU per message', bare.cpuMsPerMessage, 'ms', fakeCpuMs, "fake's CPU per accepted message, direct", {
          ratioLabel: 'bare / fake',
          note: `the sender process's own user+system time over its sending / messages${bare.fakeCpuMsPerMessage === null ? '' : `; the fake's CPU per message meanwhile ${sig(bare.fakeCpuMsPerMessage, 3)} ms`}`,
        }),
        ...(svcCpuMs !== null
          ? [
              figure(S, 'service CPU per delivered message, all in', svcCpuMs, 'ms', fakeCpuMs, "fake's CPU per accepted message, direct", {
                ratioLabel: 'service / fake',
                target: ISSUE21.e2eCpu,
                floor: { value: bare.cpuMsPerMessage, unit: 'ms', label: `a bare durable sender's CPU per message, same run${fakeCpuMs === null ? '' : `; the fake's own ${fmt(sig(fakeCpuMs), 'ms')}`}` },
                note: "the service's user+system time from the first webhook sent until the fake had the last message (intake, planning, sending, write-back), / messages delivered",
              }),
            ]
          : []),
      ],
      details: {
        webhooks: o.webhooks,
        messagesPerWebhook: perChat,
        expectedMessages: total,
        receivedMessages: received.messages.length,
        duplicateRequestIds: received.duplicateRequestIds,
        rejected: received.rejected.length,
        fakeRequests: received.requests,
        secondsToLastMessage: seconds,
        webhookLoad: webhooks,
        direct,
        bareSender: { ...bare, rate: bareRate, againstDirect: bareRate / direct.rps },
        serviceCpuMsPerMessage: svcCpuMs,
        fakeCpuMsPerDirectMessage: fakeCpuMs,
        servicePeakRssMb: peakMb,
        serviceErrorLines: errorLines,
        db: counts,
      },
    };
    const problems: string[] = [];
    if (!complete || received.messages.length !== total) problems.push(`the fake has ${received.messages.length} of ${total} messages`);
    if (received.duplicateRequestIds > 0) problems.push(`${received.duplicateRequestIds} duplicate sends`);
    if (webhooks.ok !== o.webhooks) problems.push(`${webhooks.ok} of ${o.webhooks} webhooks answered 200`);
    if (problems.length > 0) result.error = problems.join('; ');
    return result;
  } finally {
    await fake.stop();
    removeDir(dir);
  }
}
