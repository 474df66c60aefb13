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
import { wordsOf } from './lang.js';

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
  const w = wordsOf(io);
  const dir = curationsDir(io, dirArg);
  const loaded = await loadCurations(dir);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.stderr(w.problem({ ...e, file: shownPath(io, e.file) }));
    io.stderr(w.tn('cli.check.problems', loaded.errors.length, { dir: shownPath(io, dir) }));
    return 1;
  }
  const { curations } = loaded.set;
  if (curations.length === 0) {
    io.stdout(w.t('cli.check.noFiles', { dir: shownPath(io, dir) }));
    return 0;
  }
  let failing = 0;
  for (const c of curations) {
    const asks = c.ask ? w.t('cli.check.asks', { fields: c.ask.fields.join(', '), wait: c.ask.waitMs === null ? 'ANSWER_WAIT_MINUTES' : formatDuration(c.ask.waitMs) }) : '';
    const disabled = c.enabled ? '' : `  [${w.t('cli.check.disabled')}]`;
    io.stdout(`ok  ${c.id.padEnd(20)} ${shownPath(io, c.file)}  (${describeTrigger(c.trigger)}; ${w.t('cli.check.messageCount', { count: c.messageCount })}; ${c.languages.join('/')}${asks})${disabled}`);
    for (const warning of warningsOf(c)) io.stderr(w.warning({ ...warning, file: shownPath(io, warning.file) }));
    const report = runGoldenTests(c);
    if (report.total > 0) reportGolden(io, report);
    if (report.failed > 0) failing++;
  }
  io.stdout(w.tn('cli.check.valid', curations.length));
  return failing > 0 ? 1 : 0;
};

/** The count on stdout; each failing case on stderr at its line, with its diff. */
function reportGolden(io: CliIO, report: GoldenReport): void {
  const w = wordsOf(io);
  io.stdout(`    ${report.failed > 0 ? w.t('cli.check.goldenSomeFailed', { passed: report.passed, failed: report.failed }) : w.t('cli.check.goldenPassed', { passed: report.passed })}`);
  if (report.failed === 0) return;
  for (const c of report.cases.filter((r) => !r.passed)) {
    const where = formatLoadError({ file: shownPath(io, report.file), line: c.line, path: `tests[${c.index}]`, message: w.t('cli.check.goldenFailed', { name: c.name }) });
    io.stderr([where, ...c.diff.map((l) => `    ${l}`)].join('\n'));
  }
  io.stderr(w.tn('cli.check.goldenSummary', report.total, { failed: report.failed, id: report.curationId }));
}
