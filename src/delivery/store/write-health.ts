// Whether the database has been taking the writes that matter: the webhook's
// commits and the jobs' settles. The health probe only asks whether a write
// could start; a full disk or a damaged page lets it start and then fails the
// write itself, so every delivery got 503 while /healthz said ok. This keeps
// the outcome of the real writes, and the store reports `failing` while the
// latest ones failed and none succeeded since.
//
// Only a failure that says the database cannot store counts (full, damaged,
// I/O, read-only). A held lock is `busy`, a lost connection `unreachable`
// (both found by the probe), and a constraint or a bug in one write says
// nothing about the others.

/** SQLite result codes (better-sqlite3 gives the extended one, e.g. SQLITE_IOERR_WRITE) and PostgreSQL SQLSTATEs, by prefix. */
const STORAGE_FAULTS: ReadonlyArray<{ prefix: string; reason: string }> = [
  { prefix: 'SQLITE_FULL', reason: 'the disk is full' },
  { prefix: 'SQLITE_CORRUPT', reason: 'the database file is damaged' },
  { prefix: 'SQLITE_NOTADB', reason: 'the database file is damaged' },
  { prefix: 'SQLITE_IOERR', reason: 'the disk reported an I/O error' },
  { prefix: 'SQLITE_READONLY', reason: 'the database file is read-only' },
  { prefix: 'SQLITE_CANTOPEN', reason: 'a database file cannot be opened' },
  { prefix: '53100', reason: 'the disk is full' },
  { prefix: '53200', reason: 'the database server is out of memory' },
  { prefix: '58', reason: 'the database server reported an I/O or system error' },
  { prefix: 'XX', reason: 'the database is damaged or failed internally' },
  { prefix: '25006', reason: 'the database is read-only (a standby?)' },
];

export interface StorageFault {
  code: string;
  reason: string;
}

/** The storage fault `err` reports (its own code or its cause's), or null when it is no such fault. */
export function storageFaultOf(err: unknown): StorageFault | null {
  let e: unknown = err;
  // The store wraps some errors (DatabaseBusyError, the migrator): look a few causes deep.
  for (let hops = 0; e instanceof Error && hops < 3; hops++) {
    const code = (e as { code?: unknown }).code;
    const fault = typeof code === 'string' ? STORAGE_FAULTS.find((f) => code.startsWith(f.prefix)) : undefined;
    if (typeof code === 'string' && fault) return { code, reason: fault.reason };
    e = e.cause;
  }
  return null;
}

/** What /healthz shows about the writes; times as ISO strings. */
export interface WriteHealthSummary {
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  lastFailure: (StorageFault & { at: string }) | null;
}

export class WriteHealth {
  private lastSuccessAt: number | null = null;
  private lastFailure: (StorageFault & { at: number }) | null = null;
  private failures = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A write committed. */
  succeeded(): void {
    this.lastSuccessAt = this.now();
    this.failures = 0;
  }

  /** A write failed: counted only when `err` is a storage fault. */
  failed(err: unknown): void {
    const fault = storageFaultOf(err);
    if (!fault) return;
    this.lastFailure = { ...fault, at: this.now() };
    this.failures++;
  }

  /** The latest writes failed for a storage fault and none succeeded since. */
  get failing(): boolean {
    return this.failures > 0;
  }

  summary(): WriteHealthSummary {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      lastSuccessAt: iso(this.lastSuccessAt),
      consecutiveFailures: this.failures,
      lastFailure: this.lastFailure && { code: this.lastFailure.code, reason: this.lastFailure.reason, at: new Date(this.lastFailure.at).toISOString() },
    };
  }
}
