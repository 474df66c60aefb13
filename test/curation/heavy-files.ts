// Generated curation files that cost a lot to load, for the load budget's
// tests: the attack file of issue 16 (20 languages, an option field with
// 3,000 options, a looping message aliased 1,000 times), a long chain of
// computed values, and a heavy file that stays within the budget.
import { Worker } from 'node:worker_threads';

/** `n` distinct two-letter language codes: aa, ab, … */
export function languageCodes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26)));
}

export interface HostileShape {
  languages: number;
  options: number;
  /** How many times the looping message is repeated with `*loop`. */
  aliases: number;
  /** How often the message's loop repeats. */
  loop: number;
}

/** The attack file: every text of the message loops, in every language, and the message is repeated by aliases. */
export function hostileCuration(shape: HostileShape, id = 'hostile'): string {
  const langs = languageCodes(shape.languages);
  const lines = [
    `id: ${id}`,
    `defaultLanguage: ${langs[0]!}`,
    `languages: [${langs.join(', ')}]`,
    'trigger: { on: chatOpened }',
    'fields:',
    '  pick:',
    '    type: option',
    '    options:',
  ];
  for (let i = 0; i < shape.options; i++) lines.push(`      o${i}: label ${i}`);
  lines.push('messages:', '  - &loop', '    text:');
  for (const l of langs) lines.push(`      ${l}: "{% for i in (1..${shape.loop}) %}{{ i }}{% endfor %}"`);
  for (let i = 0; i < shape.aliases; i++) lines.push('  - *loop');
  return `${lines.join('\n')}\n`;
}

/** `n` computed values, each using the one above it. */
export function computeChain(n: number, id = 'chain'): string {
  const lines = [`id: ${id}`, 'defaultLanguage: ko', 'trigger: { on: chatOpened }', 'fields:', '  weight: { type: number, min: 20, max: 300 }', 'compute:', '  v0: weight + 1'];
  for (let i = 1; i < n; i++) lines.push(`  v${i}: v${i - 1} + 1`);
  lines.push('messages:', `  - text: "{{ v${n - 1} }}"`);
  return `${lines.join('\n')}\n`;
}

/**
 * Heavy but within the budget: 4 languages, an option field with 200 options
 * and 10 messages that loop, each planned by the dry run for every option and
 * language. It takes long enough to load (seconds on a busy machine) that a
 * load without pauses would hold the event loop for all of it, while one plan
 * stays a few ms: far inside the 250 ms a plan may render for, however busy
 * the machine running the tests is.
 */
export function heavyLegalCuration(id = 'heavy'): string {
  const langs = languageCodes(4);
  const lines = [`id: ${id}`, `defaultLanguage: ${langs[0]!}`, `languages: [${langs.join(', ')}]`, 'trigger: { on: chatOpened }', 'fields:', '  pick:', '    type: option', '    options:'];
  for (let i = 0; i < 200; i++) lines.push(`      o${i}: label ${i}`);
  lines.push('compute:');
  for (let i = 0; i < 10; i++) lines.push(`  c${i}: "pick == 'o${i}' ? ${i} : ${i + 1}"`);
  lines.push('messages:');
  for (let m = 0; m < 10; m++) {
    lines.push('  - text:');
    for (const l of langs) lines.push(`      ${l}: "${l} ${m} {% for i in (1..12) %}{{ i }}:{{ c${m} }} {% endfor %}{{ pick }}"`);
  }
  return `${lines.join('\n')}\n`;
}

export type CheckInWorker = { code: number; out: string[]; err: string[] } | 'still running';

/**
 * `curation check --dir dir` in a worker thread, stopped after `ms`: a load
 * that would run for hours fails the test instead of hanging it.
 */
export function checkInWorker(dir: string, ms: number): Promise<CheckInWorker> {
  const check = new URL('../../src/cli/check.js', import.meta.url).href;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.check).then(async ({ checkCommand }) => {
      const out = [];
      const err = [];
      const io = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: process.cwd() };
      const code = await checkCommand(['--dir', workerData.dir], io);
      parentPort.postMessage({ code, out, err });
    });
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { check, dir } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve('still running');
    }, ms);
    worker.once('message', (m: { code: number; out: string[]; err: string[] }) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    // A worker may throw any value (@types/node 24 types the argument any).
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}
