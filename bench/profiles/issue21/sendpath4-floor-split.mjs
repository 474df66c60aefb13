// The e2e floor split (branch sendpath4): the bare durable sender
// (bench/lib/bare-sender.ts) in its three modes, alternated, against the same
// fake and the fake's direct rate: `full` (the floor: WAL, synchronous = FULL),
// `normal` (the same statements and commits without the fsync), `http` (the
// POSTs alone). Build, then: node bench/profiles/issue21/sendpath4-floor-split.mjs CHATS ROUNDS
/* global process, console */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
const dist = join(process.cwd(), 'dist');
const chats = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 3);
const { startFake, cpuSeconds, tempDir, removeDir, FAKE_KEY, FAKE_SECRET, BOT_NAME } = await import(`${dist}/bench/lib/procs.js`);
const { dietMainPlan } = await import(`${dist}/bench/lib/flow.js`);
const { messageBodies } = await import(`${dist}/bench/lib/bodies.js`);
const { runLoad, GROUP } = await import(`${dist}/bench/lib/load.js`);
const p = await dietMainPlan();
const bodies = messageBodies(p);
const total = chats * bodies.length;
const fake = await startFake();
const dir = tempDir('bare-split-');
const rows = [];
try {
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuSeconds(fake.pid);
    const direct = (await runLoad({ url: fake.url, headers: { 'x-access-key': FAKE_KEY, 'x-access-secret': FAKE_SECRET }, connections: 16, amount: total, maxSeconds: 180, variants: bodies.map((body) => ({ path: `/open/v5/user-chats/${GROUP}/messages?botName=${BOT_NAME}`, body })), groupSize: bodies.length, idPrefix: `d${r}` })).result;
    const c1 = cpuSeconds(fake.pid);
    await fake.control('/_fake/reset', {});
    const row = { round: r, load: (await import('node:os')).loadavg()[0].toFixed(1), directRps: Math.round(direct.rps), fakeCpuMs: (((c1 - c0) * 1000) / total).toFixed(3) };
    for (const mode of r % 2 === 0 ? ['full', 'normal', 'http'] : ['http', 'normal', 'full']) {
      const out = execFileSync(process.execPath, [join(dist, 'bench/lib/bare-sender.js'), fake.url, join(dir, `${mode}-${r}.db`), String(chats), JSON.stringify(bodies), '16', mode], { maxBuffer: 1 << 20 }).toString().trim().split('\n').pop();
      const res = JSON.parse(out);
      const got = (await fake.received()).messages.length;
      if (got !== total) throw new Error(`${mode}: the fake has ${got} of ${total}`);
      await fake.control('/_fake/reset', {});
      row[mode] = { cpuMs: res.cpuMsPerMessage.toFixed(3), rps: Math.round(total / res.seconds), vsDirect: (total / res.seconds / direct.rps).toFixed(2), commitsPerMsg: (res.commits / total).toFixed(3) };
    }
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await fake.stop();
  removeDir(dir);
}
