// `curation check [--dir D]`: validate every curation file, print every
// problem as `file:line path: sentence`, run every golden test, exit 1 if
// there is any problem or failing case.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLoadError, loadCurations } from '../curation/index.js';
import { warningsOf } from '../curation/warnings.js';
import { describeTrigger } from '../curation/triggers/registry.js';
import { formatDuration } from '../curation/durations.js';
import { runGoldenTests, type GoldenReport } from '../curation/golden.js';
import type { CliIO, Command } from './io.js';
import { usage } from './usage.js';

export function curationsDir(io: CliIO, dir: string | undefined): string {
  return path.resolve(io.cwd, dir ?? io.env.CURATIONS_DIR ?? './curations');
}

/** Paths relative to where the operator stands, as an editor or terminal wants them. */
export function shownPath(io: CliIO, file: string): string {
  const rel = path.relative(io.cwd, file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export const checkCommand: Command = async (argv, io) => {
  let dirArg: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { dir: { type: 'string' } }, allowPositionals: false });
    dirArg = values.dir;
  } catch (err) {
    io.stderr(`curation check: ${err instanceof Error ? err.message : String(err)}\n${usage('check')}`);
    return 2;
  }
  const dir = curationsDir(io, dirArg);
  const loaded = await loadCurations(dir);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.stderr(formatLoadError({ ...e, file: shownPath(io, e.file) }));
    io.stderr(`${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'} in ${shownPath(io, dir)}; nothing was loaded`);
    return 1;
  }
  const { curations } = loaded.set;
  if (curations.length === 0) {
    io.stdout(`no curation files (*.yaml) in ${shownPath(io, dir)}`);
    return 0;
  }
  let failing = 0;
  for (const c of curations) {
    const asks = c.ask ? `; asks in the chat for ${c.ask.fields.join(', ')} (wait ${c.ask.waitMs === null ? 'ANSWER_WAIT_MINUTES' : formatDuration(c.ask.waitMs)})` : '';
    io.stdout(`ok  ${c.id.padEnd(20)} ${shownPath(io, c.file)}  (${describeTrigger(c.trigger)}; ${c.messageCount} messages; ${c.languages.join('/')}${asks})${c.enabled ? '' : '  [disabled]'}`);
    for (const w of warningsOf(c)) io.stderr(formatLoadError({ ...w, file: shownPath(io, w.file), message: `warning: ${w.message}` }));
    const report = runGoldenTests(c);
    if (report.total > 0) reportGolden(io, report);
    if (report.failed > 0) failing++;
  }
  io.stdout(`${curations.length} curation${curations.length === 1 ? '' : 's'} valid`);
  return failing > 0 ? 1 : 0;
};

/** The count on stdout; each failing case on stderr at its line, with its diff. */
function reportGolden(io: CliIO, report: GoldenReport): void {
  io.stdout(`    golden tests: ${report.passed} passed${report.failed > 0 ? `, ${report.failed} failed` : ''}`);
  if (report.failed === 0) return;
  for (const c of report.cases.filter((r) => !r.passed)) {
    const where = formatLoadError({ file: shownPath(io, report.file), line: c.line, path: `tests[${c.index}]`, message: `golden test '${c.name}' failed:` });
    io.stderr([where, ...c.diff.map((l) => `    ${l}`)].join('\n'));
  }
  io.stderr(`${report.failed} of ${report.total} golden test${report.total === 1 ? '' : 's'} failed in ${report.curationId}`);
}
