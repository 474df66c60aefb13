// CPU per Channel Talk call, by transport, against the real fake Channel Talk
// (started as the bench starts it). Each run is a child process of its own
// (so its memory is its own): the client's one-exchange call() posting
// diet-main's message bodies, 16 in flight (the service's SEND_SLOTS), through
// global fetch (an injected fetch, i.e. the fetch transport) or through the
// default node:http transport. Runs alternate; CPU is process.cpuUsage() of
// the child over the measured calls only (a warm-up first).
//   npm run build && node dist/bench/lib/transport-cost.js [calls=4000] [rounds=3]
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { messageBodies } from './bodies.js';
import { dietMainPlan } from './flow.js';
import { GROUP } from './load.js';
import { BOT_NAME, cpuSeconds, FAKE_KEY, FAKE_SECRET, killAll, startFake } from './procs.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';

type Mode = 'fetch' | 'http';
const MODES: readonly Mode[] = ['fetch', 'http'];
const IN_FLIGHT = 16;
const WARM_UP = 300;

interface ChildResult {
  mode: Mode;
  calls: number;
  cpuUsPerCall: number;
  wallS: number;
  rssAfterImportMB: number;
  rssAfterWarmUpMB: number;
  rssEndMB: number;
}

async function child(mode: Mode, url: string, calls: number): Promise<void> {
  const rssAfterImportMB = mb(process.memoryUsage().rss);
  const bodies = messageBodies(await dietMainPlan()).map((b) => JSON.parse(b) as Record<string, unknown>);
  const client = new ChannelTalkClient({
    baseUrl: url,
    accessKey: FAKE_KEY,
    accessSecret: FAKE_SECRET,
    retry: false,
    ...(mode === 'fetch' ? { fetch: globalThis.fetch.bind(globalThis) } : {}),
  });
  let seq = 0;
  const one = async (): Promise<void> => {
    const n = seq++;
    const body = { ...bodies[n % bodies.length], requestId: `tc-${mode}-${process.pid}-${n}` };
    const res = await client.call({ method: 'POST', path: `/user-chats/${GROUP}/messages`, query: { botName: BOT_NAME }, body });
    if (res.status !== 200) throw new Error(`the fake answered ${res.status}`);
  };
  const run = async (count: number): Promise<void> => {
    let left = count;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left > 0) {
          left--;
          await one();
        }
      }),
    );
  };
  await run(WARM_UP);
  const rssAfterWarmUpMB = mb(process.memoryUsage().rss);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(calls);
  const cpu = process.cpuUsage(cpu0);
  const result: ChildResult = {
    mode,
    calls,
    cpuUsPerCall: Math.round(((cpu.user + cpu.system) / calls) * 10) / 10,
    wallS: Math.round(performance.now() - t0) / 1000,
    rssAfterImportMB,
    rssAfterWarmUpMB,
    rssEndMB: mb(process.memoryUsage().rss),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

async function driver(calls: number, rounds: number): Promise<void> {
  const fake = await startFake();
  const self = fileURLToPath(import.meta.url);
  const results: Array<ChildResult & { fakeCpuUsPerCall: number | null }> = [];
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so a drift in the machine's load falls on both.
      for (const mode of r % 2 === 0 ? MODES : [...MODES].reverse()) {
        await fake.control('/_fake/reset', {});
        const f0 = cpuSeconds(fake.pid);
        const { stdout } = await promisify(execFile)(process.execPath, [self, '--child', mode, fake.url, String(calls)], { maxBuffer: 1 << 20 });
        const f1 = cpuSeconds(fake.pid);
        const res = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult;
        const fakeCpuUsPerCall = f0 === null || f1 === null ? null : Math.round(((f1 - f0) * 1e6) / (calls + WARM_UP));
        results.push({ ...res, fakeCpuUsPerCall });
        console.log(JSON.stringify({ round: r + 1, ...res, fakeCpuUsPerCall }));
      }
    }
  } finally {
    killAll();
  }
  for (const mode of MODES) {
    const mine = results.filter((x) => x.mode === mode).map((x) => x.cpuUsPerCall).sort((a, b) => a - b);
    console.log(`${mode}: CPU µs per call, median ${mine[Math.floor(mine.length / 2)]} (runs ${mine.join(', ')})`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1] as Mode, args[2] ?? '', Number(args[3]));
else await driver(Number(args[0] ?? 4000), Number(args[1] ?? 3));
