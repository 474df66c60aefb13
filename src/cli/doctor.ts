// `curation doctor`: checks everything the service needs, in the order an
// operator would fix it, and says what to do about each failure. The webhook
// is read the way the service's health job reads it (webhook/health.ts).
import { parseArgs } from 'node:util';
import { ConfigError, envWithDotenv, loadConfig, type Config } from '../config.js';
import { ChannelTalkClient } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../channeltalk/errors.js';
import { loadCurations } from '../curation/index.js';
import { Store } from '../delivery/store/store.js';
import type { ChannelConfig } from '../channels.js';
import { checkChannelWebhook, type WebhookHealth } from '../webhook/health.js';
import type { Command } from './io.js';
import { wordsOf, type Words } from './lang.js';
import type { Words as Said } from '../words.js';

type Check = (config: Config, w: Words) => Promise<string>;

class Failed extends Error {}

/** Each check with its name in the operator's language, in the order an operator fixes them. */
const checks: Array<[(w: Words) => string, Check]> = [
  [
    (w) => w.t('cli.doctor.check.database'),
    async (config, w) => {
      let store: Store;
      try {
        store = await Store.open(config.databaseUrl, config.timing);
      } catch (err) {
        throw new Failed(w.t('cli.doctor.dbCannotOpen', { db: describeDb(config.databaseUrl), error: err instanceof Error ? err.message : String(err) }));
      }
      try {
        await store.ping();
        return w.t('cli.doctor.dbOk', { db: store.describe, queued: await store.queueDepth() });
      } finally {
        await store.close();
      }
    },
  ],
  [
    (w) => w.t('cli.doctor.check.credentials'),
    async (config, w) => {
      const lines: string[] = [];
      for (const ch of config.channels) {
        const who = config.channels.length > 1 ? w.t('cli.channelPrefix', { channel: ch.name }) : '';
        const fix = config.channels.length > 1 ? w.t('cli.doctor.channelKeys', { channel: ch.name }) : w.t('cli.doctor.envKeys');
        const client = clientFor(config, ch);
        try {
          const res = (await client.getChannel()) as { channel?: { id?: unknown; name?: unknown } };
          const c = res.channel;
          const id = typeof c?.id === 'string' || typeof c?.id === 'number' ? String(c.id) : '?';
          const channel = c ? (typeof c.name === 'string' ? w.t('cli.doctor.channelNamed', { id, name: c.name }) : w.t('cli.doctor.channelId', { id })) : '';
          lines.push(`${who}${w.t('cli.doctor.credentialsOk')}${channel}`);
        } catch (err) {
          if (err instanceof ChannelTalkRejectedError) {
            throw new Failed(
              err.status === 401 || err.status === 403
                ? `${who}${w.t('cli.doctor.credentialsRefused', { status: err.status, fix })}`
                : `${who}${w.t('cli.doctor.apiAnswered', { status: err.status })}`,
            );
          }
          if (err instanceof ChannelTalkUnavailableError) {
            throw new Failed(w.t('cli.doctor.unreachable', { url: config.channelTalk.apiUrl, why: `${err.reason}${err.status ? ` ${err.status}` : ''}` }));
          }
          throw err;
        }
      }
      return lines.join('; ');
    },
  ],
  [
    (w) => w.t('cli.doctor.check.webhook'),
    // Read as the service's health job reads it (checkChannelWebhook): a webhook missing, blocked or lacking a scope is a failure.
    async (config, w) => {
      const lines: string[] = [];
      const several = config.channels.length > 1;
      for (const ch of config.channels) {
        const loaded = await loadCurations(ch.curationsDir);
        // Curations that do not load are the next check's failure; the webhook is still read.
        const curations = loaded.ok ? loaded.set.curations : [];
        const h = await checkChannelWebhook({ client: clientFor(config, ch), channel: ch.name, publicUrl: config.webhook.publicUrl, curations, several, now: Date.now });
        const who = several ? w.t('cli.channelPrefix', { channel: ch.name }) : '';
        if (h.state !== 'ok' || h.missingScopes) throw new Failed(`${who}${healthWords(h, w)}`);
        lines.push(`${who}${h.webhookId !== undefined ? w.t('cli.doctor.webhookOk', { webhook: h.webhookId }) : h.reason}`);
      }
      return lines.join('; ');
    },
  ],
  [
    (w) => w.t('cli.doctor.check.curations'),
    async (config, w) => {
      const lines: string[] = [];
      for (const dir of new Set(config.channels.map((c) => c.curationsDir))) {
        const loaded = await loadCurations(dir);
        if (!loaded.ok) throw new Failed(`${w.t('cli.doctor.curationErrors', { count: loaded.errors.length })}\n${loaded.errors.map((e) => `    ${w.problem(e)}`).join('\n')}`);
        lines.push(w.t('cli.doctor.curationsOk', { count: loaded.set.curations.length, dir, ids: loaded.set.curations.map((c) => c.id).join(', ') }));
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

/** What is wrong with the webhook and what to do, in the operator's language when the health check said it with keys. */
function healthWords(h: WebhookHealth, w: Words): string {
  if (w.lang === 'en' || h.words === undefined) return `${h.reason}; fix: ${h.fix}`;
  // A time the console formats in the browser is shown here as the English line shows it.
  const said = (x: Said) =>
    w.t(x.code, x.code === 'webhook.blockedSince' && typeof x.params.since === 'number' ? { ...x.params, since: new Date(x.params.since).toISOString() } : x.params);
  return w.t('cli.doctor.webhookFix', { reason: said(h.words.reason), fix: said(h.words.fix) });
}

function describeDb(url: string): string {
  return url.startsWith('sqlite:') ? url : url.replace(/\/\/[^@/]*@/, '//');
}

export const doctorCommand: Command = async (argv, io) => {
  parseArgs({ args: argv, options: {}, allowPositionals: false });
  const w = wordsOf(io);
  // `ok   ` and `FAIL ` (or `실패 `) line up the names in a terminal.
  const ok = (text: string) => io.stdout(`ok   ${text}`);
  const fail = (text: string) => io.stdout(`${w.t('cli.doctor.fail')} ${text}`);
  let config: Config;
  try {
    config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd);
    ok(w.t('cli.doctor.check.configuration'));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(`${w.t('cli.doctor.check.configuration')}\n${err.lines.map((l) => `    ${l}`).join('\n')}`);
    return 1;
  }
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      ok(`${name(w)}: ${await check(config, w)}`);
    } catch (err) {
      failed++;
      fail(`${name(w)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  io.stdout(failed === 0 ? w.t('cli.doctor.allPassed') : w.t('cli.doctor.someFailed', { count: failed }));
  return failed === 0 ? 0 : 1;
};
