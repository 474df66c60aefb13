// Microbench (branch sendpath4): in-process CPU of one "message sent" line through pino with the service's redact paths, against a child with redact: [] (the line's fields are ids). Build, then: node bench/profiles/issue21/sendpath4-log-line.mjs
/* global process, console */
import pino from 'pino';
const { REDACT_PATHS } = await import(`${process.cwd()}/dist/src/logger.js`);
const dest = pino.destination({ dest: '/dev/null', sync: false });
const base = pino({ level: 'info', name: 'curation', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, dest);
const plain = base.child({}, { redact: [] });
const ids = (i) => ({ runId: 'r' + i + 'abcdefabcdefabcdef', chatId: 'c' + i + '6a1b2c3d4e5f6071', seq: i % 12, requestId: 'q' + i + 'abcdefabcdef' });
const N = 100000;
function run(name, f) { const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) f(i); const c = process.cpuUsage(c0); console.log(name, ((c.user + c.system) / N).toFixed(2), 'us'); }
for (let r = 0; r < 3; r++) {
  run('child + info, redacting   ', (i) => base.child({ jobId: i, jobKind: 'sendMessage' }).info({ ...ids(i), latencyMs: 3, attempt: 1 }, 'message sent'));
  run('child only                ', (i) => base.child({ jobId: i, jobKind: 'sendMessage' }));
  run('child + child(redact[])+info', (i) => base.child({ jobId: i, jobKind: 'sendMessage' }).child({}, { redact: [] }).info({ ...ids(i), latencyMs: 3, attempt: 1 }, 'message sent'));
  run('plain.info with job ids   ', (i) => plain.info({ jobId: i, jobKind: 'sendMessage', ...ids(i), latencyMs: 3, attempt: 1 }, 'message sent'));
  run('base.info with job ids    ', (i) => base.info({ jobId: i, jobKind: 'sendMessage', ...ids(i), latencyMs: 3, attempt: 1 }, 'message sent'));
}
