// What a job kind may ask for when it registers (src/wiring/job-kinds.ts):
// the service's parts, built once at start. Each kind takes what it needs
// from it in its own file (`<kind>Kind` beside its handler), so a new kind
// is one entry in JOB_KINDS and nothing in service.ts.
import type { ChannelTalkClient } from '../channeltalk/client.js';
import type { ChannelRegistry } from '../channel-registry.js';
import type { Config } from '../config.js';
import type { CurationSet } from '../curation/index.js';
import type { Store } from '../delivery/store/store.js';
import type { Metrics } from '../server/metrics.js';
import type { WebhookRuntime } from '../webhook/runtime.js';
import type { Curation } from '../curation/types.js';
import type { CurationLibrary } from '../versions/library.js';
import { curationOfRun } from './curation-library.js';

export interface KindContext {
  config: Config;
  store: Store;
  channels: ChannelRegistry;
  metrics: Metrics;
  webhooks: WebhookRuntime;
  /** This instance's identity (jobs.locked_by). */
  instanceId: string;
  /** The claim's lease (CLAIM_LEASE_SECONDS). */
  leaseMs: number;
  /** The runner's slots for sends; the rest stay for the other kinds. */
  sendSlots: number;
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  curationsFor: (channelId: string | null) => CurationSet | undefined;
  /** New work may be due now: the job runner looks at once. */
  wake: () => void;
  library: CurationLibrary;
  /** The curation a run was planned with (its own version), for every job that plans, asks or follows it up. */
  curationOfRun: (run: { channel_id: string | null; curation_id: string; curation_version: string | null }) => Promise<Curation | undefined>;
}

export function kindContext(parts: Omit<KindContext, 'clientFor' | 'curationsFor' | 'curationOfRun'>): KindContext {
  return {
    ...parts,
    curationOfRun: curationOfRun(parts.channels, parts.library),
    clientFor: (channelId) => parts.channels.forChannelId(channelId)?.client,
    curationsFor: (channelId) => parts.channels.forChannelId(channelId)?.curations,
  };
}
