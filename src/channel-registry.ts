// The live channels: for each, its Channel Talk client (with its own rate
// limiter, so one channel's limit never slows another) and its current
// curation set, which a reload swaps as a whole.
import type { Logger } from 'pino';
import type { ChannelConfig } from './channels.js';
import { ChannelTalkClient } from './channeltalk/client.js';
import { loadCurations, formatLoadError, type CurationSet, type Curation } from './curation/index.js';
import type { CurationSource } from './curation/load.js';
import { AcceptedTokens, presentedDigest } from './server/token.js';

export interface LiveChannel {
  config: ChannelConfig;
  client: ChannelTalkClient;
  /** What runs: the live versions (src/versions/library.ts), or its files' set until the library has built one. */
  curations: CurationSet;
  /** What its files held at the last load, with their texts: the library records them as versions. */
  files: { set: CurationSet; sources: Map<string, CurationSource> };
}

export type ReloadResult = { ok: true; ids: string[] } | { ok: false; errors: string[] };

export class ChannelRegistry {
  /** Each channel's webhook tokens, hashed once: a channel's config never changes while it lives (a reload swaps only curations). */
  private readonly tokens: ReadonlyArray<{ channel: LiveChannel; accepted: AcceptedTokens }>;
  /** The reload in progress, if any: reloads run one after another (see reload()). */
  private reloads: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly channels: LiveChannel[],
    private readonly logger: Logger,
  ) {
    this.tokens = channels.map((channel) => ({ channel, accepted: new AcceptedTokens(channel.config.webhookTokens) }));
  }

  /** Loads every channel's curations; all-or-nothing, like a single curation set. */
  static async open(
    configs: ChannelConfig[],
    opts: { apiUrl: string; timeoutMs: number; logger: Logger; fetch?: typeof fetch },
  ): Promise<{ ok: true; registry: ChannelRegistry } | { ok: false; errors: string[] }> {
    const sets = await loadSets(configs);
    if (!sets.ok) return sets;
    const channels = configs.map((config) => ({
      config,
      curations: sets.byDir.get(config.curationsDir)!.set,
      files: sets.byDir.get(config.curationsDir)!,
      client: new ChannelTalkClient({
        baseUrl: opts.apiUrl,
        accessKey: config.accessKey,
        accessSecret: config.accessSecret,
        botName: config.botName,
        timeoutMs: opts.timeoutMs,
        logger: opts.logger.child({ component: 'channeltalk', channel: config.name }),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      }),
    }));
    return { ok: true, registry: new ChannelRegistry(channels, opts.logger) };
  }

  /** The channel a stored message or run belongs to: exact id, else the catch-all channel. */
  forChannelId(channelId: string | null): LiveChannel | undefined {
    return this.channels.find((c) => c.config.channelId !== null && c.config.channelId === channelId) ?? this.channels.find((c) => c.config.channelId === null);
  }

  /** Channels whose webhook token this is (every token is compared, in constant time). */
  byToken(token: unknown): LiveChannel[] {
    const given = presentedDigest(token);
    return this.tokens.filter((t) => t.accepted.matchesDigest(given)).map((t) => t.channel);
  }

  /** Only the single-channel setup with ALLOW_UNVERIFIED_WEBHOOKS and no token skips the check. */
  get unverified(): LiveChannel | undefined {
    const only = this.channels.length === 1 ? this.channels[0] : undefined;
    return only && only.config.webhookTokens.length === 0 ? only : undefined;
  }

  /** Every loaded curation, across channels, for the console and health. */
  allCurations(): CurationSet {
    const seen = new Map<string, Curation>();
    for (const c of this.channels) for (const cur of c.curations.curations) if (!seen.has(cur.id)) seen.set(cur.id, cur);
    const list = [...seen.values()];
    return { curations: list, byId: (id) => seen.get(id) };
  }

  /**
   * Re-reads every curation folder; a broken file leaves every channel on its
   * old set. A load takes turns with the event loop and can take seconds, so
   * reloads run one after another: a reload that read the files before an
   * edit never finishes after one that read them after it, putting the old
   * version back.
   */
  reload(): Promise<ReloadResult> {
    const run = this.reloads.then(() => this.reloadNow());
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ReloadResult> {
    const sets = await loadSets(this.channels.map((c) => c.config));
    if (!sets.ok) {
      this.logger.warn({ errors: sets.errors.length }, 'curation reload refused; the previous curations stay live');
      return sets;
    }
    for (const c of this.channels) {
      c.files = sets.byDir.get(c.config.curationsDir)!;
      // Without a library (tests, tools) the files are what runs; with one, its next rebuild replaces them.
      if (!this.versioned) c.curations = c.files.set;
    }
    const ids = this.allCurations().curations.map((c) => c.id);
    this.logger.info({ curations: ids }, 'curations reloaded');
    return { ok: true, ids };
  }

  /** Set once a library serves the live sets: a reload of the files then only reads them, and the library decides what runs. */
  private versioned = false;

  /** The library's live set for a channel (by its name, the library's scope). */
  setCurations(name: string, set: CurationSet): void {
    this.versioned = true;
    const c = this.channels.find((x) => x.config.name === name);
    if (c) c.curations = set;
  }
}

type FileLoad = LiveChannel['files'];

async function loadSets(configs: ChannelConfig[]): Promise<{ ok: true; byDir: Map<string, FileLoad> } | { ok: false; errors: string[] }> {
  const byDir = new Map<string, FileLoad>();
  const errors: string[] = [];
  for (const dir of new Set(configs.map((c) => c.curationsDir))) {
    const loaded = await loadCurations(dir);
    if (loaded.ok) byDir.set(dir, { set: loaded.set, sources: loaded.sources });
    else errors.push(...loaded.errors.map(formatLoadError));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, byDir };
}
