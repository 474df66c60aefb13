// The curation library joined to the channels: each channel's files are
// recorded as versions (its name is the library's scope), and every rebuild
// of the live sets replaces what the channel runs.
import type { Logger } from 'pino';
import type { ChannelRegistry, ReloadResult } from '../channel-registry.js';
import type { Store } from '../delivery/store/store.js';
import type { Curation } from '../curation/types.js';
import { CurationLibrary } from '../versions/library.js';

export async function openLibrary(store: Store, channels: ChannelRegistry, logger: Logger): Promise<CurationLibrary> {
  const library = new CurationLibrary(store.db, store.dialect, logger.child({ component: 'curations' }));
  library.onChange((scope, set) => channels.setCurations(scope, set));
  for (const c of channels.channels) await library.syncFiles(c.config.name, c.files);
  await library.refresh(true);
  return library;
}

/** The console's Reload: the files are read again (all or nothing, as at start), recorded as versions by the file rules, and the live sets rebuilt. */
export async function reloadCurations(channels: ChannelRegistry, library: CurationLibrary): Promise<ReloadResult> {
  const read = await channels.reload();
  if (!read.ok) return read;
  for (const c of channels.channels) await library.syncFiles(c.config.name, c.files);
  await library.refresh();
  return { ok: true, ids: channels.allCurations().curations.map((c) => c.id) };
}

/** What a run was planned with: its own version when it has one (never the live one), else (a run older than versions) the live curation of its id. */
export function curationOfRun(channels: ChannelRegistry, library: CurationLibrary) {
  return async (run: { channel_id: string | null; curation_id: string; curation_version: string | null }): Promise<Curation | undefined> =>
    run.curation_version !== null ? library.forVersion(run.curation_version) : channels.forChannelId(run.channel_id)?.curations.byId(run.curation_id);
}
