// PostgreSQL mode: the same acted intake load as the intake stage, through a
// service on PostgreSQL (BENCH_POSTGRES_URL, an admin URL; a fresh database is
// created and dropped), against the same service on the embedded SQLite in
// the same run. Opt-in: without the URL the stage says how to run it.
import path from 'node:path';
import { chatOpenedTemplate } from '../lib/bodies.js';
import { pgCounts } from '../lib/db.js';
import { dropPostgres, freshPostgres } from '../../test/support/databases.js';
import { removeDir, startFake, tempDir } from '../lib/procs.js';
import { figure, type StageResult } from '../lib/report.js';
import { actedCountProblem, latencyNote, loadService, type ServiceLoad } from './intake.js';

const S = 'postgres';

export async function postgresStage(o: { adminUrl: string | null; seconds: number; warmupS: number; connections: number; progress: (l: string) => void }): Promise<StageResult> {
  if (!o.adminUrl) {
    return { stage: S, seconds: 0, figures: [], details: {}, extra: ['skipped: set BENCH_POSTGRES_URL=postgres://user@host:port/postgres (a role that may create databases) to measure PostgreSQL mode'] };
  }
  const template = chatOpenedTemplate();
  const fake = await startFake();
  const dir = tempDir();
  const adminUrl = o.adminUrl;
  const db = { url: await freshPostgres(adminUrl) };
  const run = (what: string, env: Record<string, string>, counts: (() => Promise<ServiceLoad['counts']>) | undefined, idPrefix: string) => {
    o.progress(`postgres: acted intake on ${what}, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
    return loadService(fake, path.join(dir, `${idPrefix}.db`), template, 'acted', {
      seconds: o.seconds,
      warmupS: o.warmupS,
      connections: o.connections,
      delayScale: 100,
      idPrefix,
      env,
      ...(counts ? { counts } : {}),
    });
  };
  try {
    const lite = await run('SQLite', {}, undefined, 'q');
    const pgLoad = await run('PostgreSQL', { DATABASE_URL: db.url }, () => pgCounts(db.url), 'p');
    const base = 'same load on SQLite';
    const ratio = { ratioLabel: 'PostgreSQL / SQLite' };
    const result: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        figure(S, 'intake webhooks/s, acted, on PostgreSQL', pgLoad.load.rps, '/s', lite.load.rps, base, { ...ratio, note: latencyNote(pgLoad.load) }),
        figure(S, 'intake p50 latency on PostgreSQL', pgLoad.load.latencyMs.p50, 'ms', lite.load.latencyMs.p50, base, ratio),
        figure(S, 'intake p99 latency on PostgreSQL', pgLoad.load.latencyMs.p99, 'ms', lite.load.latencyMs.p99, base, ratio),
        ...(pgLoad.cpuMsPerRequest !== null && lite.cpuMsPerRequest !== null
          ? [figure(S, 'service CPU per webhook on PostgreSQL', pgLoad.cpuMsPerRequest, 'ms', lite.cpuMsPerRequest, base, { ...ratio, note: "the service process only: the database server's own CPU is not in it" })]
          : []),
      ],
      details: {
        sqlite: { ...lite.load, cpuMsPerRequest: lite.cpuMsPerRequest, db: lite.counts },
        postgres: { ...pgLoad.load, cpuMsPerRequest: pgLoad.cpuMsPerRequest, db: pgLoad.counts },
      },
    };
    const problems: string[] = [];
    for (const [name, r] of [['SQLite', lite], ['PostgreSQL', pgLoad]] as const) {
      const counted = actedCountProblem(name, r, o.connections);
      if (counted) problems.push(counted);
      if (r.errorLines > 0) problems.push(`${name}: the service logged ${r.errorLines} errors`);
    }
    if (problems.length > 0) result.error = problems.join('; ');
    return result;
  } finally {
    await fake.stop();
    removeDir(dir);
    await dropPostgres(adminUrl, db.url);
  }
}
