// Run from the repository root after `npm run build` (bench/profiles/issue21/ignored4.md).
/* global process, console, performance */
const ROOT = process.cwd() + '/';
// CPU per ignored event committed through GroupCommitter, by batch size.
const { Store } = await import(`${ROOT}dist/src/delivery/store/store.js`);
const { GroupCommitter } = await import(`${ROOT}dist/src/delivery/store/group-commit.js`);
import { rmSync } from 'node:fs';
const file = `/tmp/micro-${process.pid}.db`;
rmSync(file, { force: true });
const store = await Store.open(`sqlite:${file}`, {});
const gc = new GroupCommitter(store.db, 'sqlite', 1);
let n = 0;
const item = () => {
  n++;
  const id = `ev${process.pid}x${n}`;
  return { eventId: id, receivedAt: Date.now(), candidates: [], takeover: false,
    event: { kind: 'ignored', reason: 'a bot wrote it', words: null, unusable: false, dedupeKey: `ch1/${id}`, channelId: 'ch1', chatId: `chat${n % 50}`, userId: null, profile: null } };
};
for (const B of [28, 64, 128, 28, 64, 128, 28, 64, 128]) {
  const total = 8960;
  const t0 = process.cpuUsage(); const w0 = performance.now();
  for (let i = 0; i < total / B; i++) await Promise.all(Array.from({ length: B }, () => gc.submit(item())));
  const c = process.cpuUsage(t0); const w = performance.now() - w0;
  console.log(`batch ${B}: CPU ${((c.user + c.system) / total).toFixed(1)} µs/event, wall ${(w * 1000 / total).toFixed(1)} µs/event`);
}
process.exit(0);
