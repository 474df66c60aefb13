// A PostgreSQL cluster of a test's own (initdb in a temp dir, its own port),
// for tests that must stop, restart or read the log of the server, which the
// shared TEST_DATABASE_URL server must never suffer. The binaries are the
// ones .ci/postgres.sh uses (/usr/lib/postgresql/<version>/bin); as root the
// cluster runs as the postgres user, since initdb refuses root.
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The newest /usr/lib/postgresql/<version>/bin, or null when none is installed. */
export function postgresBinaries(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
  const newest = versions.at(-1);
  return newest === undefined ? null : path.join(base, newest, 'bin');
}

/**
 * `skip` for node:test: false when a private cluster can be started; a reason
 * when no binaries exist. Under CI=true a missing install fails the run
 * rather than silently testing less.
 */
export function privatePostgresSkip(): false | string {
  if (postgresBinaries() !== null) return false;
  if (process.env.CI === 'true') throw new Error('CI=true but no PostgreSQL binaries under /usr/lib/postgresql: install postgresql in the CI image');
  return 'no PostgreSQL binaries under /usr/lib/postgresql (install postgresql to run this test)';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly asPostgres: boolean,
  ) {}

  /** initdb's a fresh cluster on a free port and starts it. */
  static async start(opts: { settings?: Record<string, string> } = {}): Promise<PrivatePostgres> {
    const bin = postgresBinaries();
    if (bin === null) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const dir = mkdtempSync(path.join(tmpdir(), 'curation-private-pg-'));
    const asPostgres = userInfo().uid === 0;
    if (asPostgres) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PrivatePostgres(bin, dir, await freePort(), asPostgres);
    await cluster.pgBin('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const settings = { fsync: 'off', max_connections: '100', ...opts.settings };
    const conf = Object.entries(settings).map(([k, v]) => `${k} = '${v}'`).join('\n');
    appendFileSync(path.join(cluster.dataDir, 'postgresql.conf'), `\n${conf}\n`);
    await cluster.startServer();
    return cluster;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get logFile(): string {
    return path.join(this.dir, 'server.log');
  }

  /** A URL of database `db` (default: postgres) on this cluster. */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /** A new empty database, by name. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
    await this.sql(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** One statement on the postgres database, on a connection of its own. */
  async sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** What the server logged so far. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async startServer(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    await this.pgBin('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', opts, 'start']);
  }

  /** Stops the server; `immediate` is a crash (no checkpoint), `fast` a clean shutdown that ends every session. */
  async stopServer(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgBin('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server if it runs and deletes the cluster. */
  async destroy(): Promise<void> {
    try {
      await this.stopServer('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pgBin(name: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, name);
    const [cmd, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    try {
      await run(cmd, argv, { cwd: this.dir, timeout: 90_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${name} failed: ${e.stderr?.trim() || e.message}`);
    }
  }
}
