// `curation doctor`: checks everything the service needs, in the order an
// operator would fix it, and says what to do about each failure. The webhook
// is read the way the service's health job reads it (webhook/health.ts).
import { parseArgs } from 'node:util';
import { ConfigError, envWithDotenv, loadConfig, type Config } from '../config.js';
import { ChannelTalkClient } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../channeltalk/errors.js';
import { loadCurations, formatLoadError } from '../curation/index.js';
import { Store } from '../delivery/store/store.js';
import type { ChannelConfig } from '../channels.js';
import { checkChannelWebhook } from '../webhook/health.js';
import type { Command, CliIO } from './io.js';

type Check = (config: Config, io: CliIO) => Promise<string>;

class Failed extends Error {}

const checks: Array<[string, Check]> = [
  [
    'database',
    async (config) => {
      let store: Store;
      try {
        store = await Store.open(config.databaseUrl, config.timing);
      } catch (err) {
        throw new Failed(`cannot open ${describeDb(config.databaseUrl)}: ${err instanceof Error ? err.message : String(err)}; check DATABASE_URL and that the server is up`);
      }
      try {
        await store.ping();
        return `${store.describe} reachable, migrations applied, ${await store.queueDepth()} message(s) queued`;
      } finally {
        await store.close();
      }
    },
  ],
  [
    'Channel Talk credentials',
    async (config) => {
      const lines: string[] = [];
      for (const ch of config.channels) {
        const who = config.channels.length > 1 ? `channel ${ch.name}: ` : '';
        const fix = config.channels.length > 1 ? `the accessKey and accessSecret of channel ${ch.name} in CHANNELS_FILE` : 'CHANNELTALK_ACCESS_KEY and CHANNELTALK_ACCESS_SECRET';
        const client = clientFor(config, ch);
        try {
          const res = (await client.getChannel()) as { channel?: { id?: unknown; name?: unknown } };
          const c = res.channel;
          const id = typeof c?.id === 'string' || typeof c?.id === 'number' ? String(c.id) : '?';
          lines.push(`${who}GET /open/v5/channel answered 200${c ? ` (channel ${id}${typeof c.name === 'string' ? ` "${c.name}"` : ''})` : ''}`);
        } catch (err) {
          if (err instanceof ChannelTalkRejectedError) {
            throw new Failed(
              err.status === 401 || err.status === 403
                ? `${who}Channel Talk refused the credentials (${err.status}): check ${fix} (desk: Settings > API key)`
                : `${who}Channel Talk answered ${err.status}: check CHANNELTALK_API_URL`,
            );
          }
          if (err instanceof ChannelTalkUnavailableError) {
            throw new Failed(`could not reach ${config.channelTalk.apiUrl} (${err.reason}${err.status ? ` ${err.status}` : ''}): check CHANNELTALK_API_URL and the network`);
          }
          throw err;
        }
      }
      return lines.join('; ');
    },
  ],
  [
    'webhook',
    // Read as the service's health job reads it (checkChannelWebhook): a webhook missing, blocked or lacking a scope is a failure.
    async (config) => {
      const lines: string[] = [];
      const several = config.channels.length > 1;
      for (const ch of config.channels) {
        const loaded = await loadCurations(ch.curationsDir);
        // Curations that do not load are the next check's failure; the webhook is still read.
        const curations = loaded.ok ? loaded.set.curations : [];
        const h = await checkChannelWebhook({ client: clientFor(config, ch), channel: ch.name, publicUrl: config.webhook.publicUrl, curations, several, now: Date.now });
        const who = several ? `channel ${ch.name}: ` : '';
        if (h.state !== 'ok' || h.missingScopes) throw new Failed(`${who}${h.reason}; fix: ${h.fix}`);
        lines.push(`${who}${h.reason}`);
      }
      return lines.join('; ');
    },
  ],
  [
    'curations',
    async (config) => {
      const lines: string[] = [];
      for (const dir of new Set(config.channels.map((c) => c.curationsDir))) {
        const loaded = await loadCurations(dir);
        if (!loaded.ok) throw new Failed(`${loaded.errors.length} error(s):\n${loaded.errors.map((e) => `    ${formatLoadError(e)}`).join('\n')}`);
        lines.push(`${loaded.set.curations.length} loaded from ${dir}: ${loaded.set.curations.map((c) => c.id).join(', ')}`);
      }
      return lines.join('; ');
    },
  ],
];

function clientFor(config: Config, ch: ChannelConfig): ChannelTalkClient {
  return new ChannelTalkClient({
    baseUrl: config.channelTalk.apiUrl,
    accessKey: ch.accessKey,
    accessSecret: ch.accessSecret,
    timeoutMs: config.channelTalk.timeoutMs,
    retry: { maxAttempts: 2 },
  });
}

function describeDb(url: string): string {
  return url.startsWith('sqlite:') ? url : url.replace(/\/\/[^@/]*@/, '//');
}

export const doctorCommand: Command = async (argv, io) => {
  parseArgs({ args: argv, options: {}, allowPositionals: false });
  let config: Config;
  try {
    config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd);
    io.stdout('ok   configuration');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stdout(`FAIL configuration\n${err.lines.map((l) => `    ${l}`).join('\n')}`);
    return 1;
  }
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      io.stdout(`ok   ${name}: ${await check(config, io)}`);
    } catch (err) {
      failed++;
      io.stdout(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  io.stdout(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
};
