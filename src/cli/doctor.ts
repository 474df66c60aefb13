// `curation doctor`: checks everything the service needs, in the order an
// operator would fix it, and says what to do about each failure.
import { parseArgs } from 'node:util';
import { ConfigError, envWithDotenv, loadConfig, type Config } from '../config.js';
import { ChannelTalkClient } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../channeltalk/errors.js';
import { loadCurations, formatLoadError } from '../curation/index.js';
import { Store } from '../delivery/store/store.js';
import type { Command, CliIO } from './io.js';

type Check = (config: Config, io: CliIO) => Promise<string>;

class Failed extends Error {}

const checks: Array<[string, Check]> = [
  [
    'database',
    async (config) => {
      let store: Store;
      try {
        store = await Store.open(config.databaseUrl, { delayScale: config.delayScale });
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
      const client = new ChannelTalkClient({
        baseUrl: config.channelTalk.apiUrl,
        accessKey: config.channelTalk.accessKey,
        accessSecret: config.channelTalk.accessSecret,
        timeoutMs: config.channelTalk.timeoutMs,
        retry: { maxAttempts: 2 },
      });
      try {
        const res = (await client.getChannel()) as { channel?: { id?: unknown; name?: unknown } };
        const ch = res.channel;
        return `GET /open/v5/channel answered 200${ch ? ` (channel ${String(ch.id ?? '?')}${typeof ch.name === 'string' ? ` "${ch.name}"` : ''})` : ''}`;
      } catch (err) {
        if (err instanceof ChannelTalkRejectedError) {
          throw new Failed(
            err.status === 401 || err.status === 403
              ? `Channel Talk refused the credentials (${err.status}): check CHANNELTALK_ACCESS_KEY and CHANNELTALK_ACCESS_SECRET (desk: Settings > API key)`
              : `Channel Talk answered ${err.status}: check CHANNELTALK_API_URL`,
          );
        }
        if (err instanceof ChannelTalkUnavailableError) {
          throw new Failed(`could not reach ${config.channelTalk.apiUrl} (${err.reason}${err.status ? ` ${err.status}` : ''}): check CHANNELTALK_API_URL and the network`);
        }
        throw err;
      }
    },
  ],
  [
    'curations',
    async (config) => {
      const loaded = await loadCurations(config.curationsDir);
      if (!loaded.ok) throw new Failed(`${loaded.errors.length} error(s):\n${loaded.errors.map((e) => `    ${formatLoadError(e)}`).join('\n')}`);
      return `${loaded.set.curations.length} loaded from ${config.curationsDir}: ${loaded.set.curations.map((c) => c.id).join(', ')}`;
    },
  ],
];

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
