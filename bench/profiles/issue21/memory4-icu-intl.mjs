// ICU data pages of the node binary made resident by one Intl use each, in a
/* global process, console, URL */
// fresh process (memory4.md): which Intl calls at start-up cost what.
import { execFileSync } from 'node:child_process';
const what = process.argv[2];
const icu = () => Number(/ICU data ([\d.]+)/.exec(execFileSync(process.execPath, [new URL('./memory4-node-pages.mjs', import.meta.url).pathname, String(process.pid)], { encoding: 'utf8' }))?.[1] ?? 0);
const before = icu();
const uses = {
  'number en-US': () => (1234567).toLocaleString('en-US'),
  'number ko': () => new Intl.NumberFormat('ko', { maximumFractionDigits: 1 }).format(1234.5),
  'DateTimeFormat() default locale': () => Intl.DateTimeFormat().resolvedOptions().locale,
  'DateTimeFormat en-US timeZone Asia/Seoul': () => new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Seoul', hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
  'String normalize NFKC': () => 'ｋｇ'.normalize('NFKC'),
  'localeCompare': () => 'a'.localeCompare('b'),
};
const r = uses[what]();
console.log(`${what.padEnd(42)} ICU data resident +${(icu() - before).toFixed(1)} MB (${String(r).slice(0, 20)})`);
