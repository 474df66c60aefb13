// A held database lock, as one typed error.
export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
}

export type DatabaseState = 'ok' | 'busy' | 'unreachable';
