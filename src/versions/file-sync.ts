// How files in CURATIONS_DIR and the console live together (issue 19). Pure:
// given what the file holds and what the database knows of a curation, what
// to record. The rules, in short:
// - a curation its file owns: each change of the file becomes a version and
//   goes live ("from file"); a removed file takes it out of the live set;
// - a curation the console took over (an explicit choice): a change of its
//   file is still recorded as a version, so it is never lost, but it is not
//   made live; the log and the console say so, and publishing that version
//   from the history is how it goes live;
// - a curation made in the console has no file, and files never touch it.
import type { VersionOrigin } from '../delivery/store/schema.js';

export interface FileState {
  /** sha256 of the file's text. */
  hash: string;
}

export interface StoredState {
  owner: VersionOrigin;
  /** The live version's hash; null when none is live. */
  liveHash: string | null;
  /** The hash of the newest version that came from the file. */
  newestFileHash: string | null;
}

export type FileSyncAction =
  /** Record the file's text as a new version and make it live, owned by the file. */
  | { kind: 'publish' }
  /** Record the file's text as a new version, not live: the console owns the curation. */
  | { kind: 'keep' }
  /** The file is gone: nothing of it is live any more (runs pinned to its versions finish with them). */
  | { kind: 'retire' }
  | { kind: 'none' };

export function fileSyncAction(file: FileState | null, stored: StoredState | null): FileSyncAction {
  if (file === null) return stored?.owner === 'file' && stored.liveHash !== null ? { kind: 'retire' } : { kind: 'none' };
  if (stored === null) return { kind: 'publish' };
  switch (stored.owner) {
    case 'file':
      return stored.liveHash === file.hash ? { kind: 'none' } : { kind: 'publish' };
    case 'console':
      return stored.newestFileHash === file.hash ? { kind: 'none' } : { kind: 'keep' };
    default: {
      const unknown: never = stored.owner;
      throw new Error(`unknown owner ${String(unknown)}`);
    }
  }
}
