// `curation setup`: registers our webhook in Channel Talk, or brings it up to
// date, through the webhooks API: the URL, the scopes the loaded curations
// need, the API version, and with --unblock asks to lift a block (then reads
// it again: only that read counts). Idempotent: it prints each change, and a
// second run prints none. --dry-run only shows. Where the API fails (POST
// /webhooks has been seen answering 500), it prints the desk steps instead.
//
// The token is made by Channel Talk (read-only in the API): setup prints it
// when the service is not configured with it yet.
import { parseArgs } from 'node:util';
import { ChannelTalkClient, type Webhook } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../channeltalk/errors.js';
import type { ChannelConfig } from '../channels.js';
import { ConfigError, envWithDotenv, loadConfig, type Config } from '../config.js';
import { loadCurations } from '../curation/index.js';
import { deskFix, listAllWebhooks } from '../webhook/health.js';
import { describeScope, scopesNeeded } from '../webhook/scopes.js';
import { DEFAULT_WEBHOOK_NAME, deskSteps, planWebhookSetup, webhookUrlProblem, type WebhookSetupPlan } from '../webhook/setup-plan.js';
import type { Command } from './io.js';
import { wordsOf, type Words } from './lang.js';
import { usage } from './usage.js';

const USAGE = usage('setup');

interface Options {
  url: string;
  name: string;
  dryRun: boolean;
  unblock: boolean;
}

class Failed extends Error {}

export const setupCommand: Command = async (argv, io) => {
  const w = wordsOf(io);
  let values: { url?: string; name?: string; 'dry-run'?: boolean; unblock?: boolean; channel?: string };
  try {
    values = parseArgs({
      args: argv,
      options: { url: { type: 'string' }, name: { type: 'string' }, 'dry-run': { type: 'boolean' }, unblock: { type: 'boolean' }, channel: { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr(`curation setup: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  let config: Config;
  try {
    // The token comes from Channel Talk through this very command: it cannot be required first.
    config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd, { requireWebhookToken: false });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(err.lines.join('\n'));
    return 1;
  }
  const url = values.url ?? config.webhook.publicUrl;
  if (url === undefined) {
    io.stderr(`curation setup: ${w.t('cli.setup.needsUrl')}\n${USAGE}`);
    return 2;
  }
  const problem = webhookUrlProblem(url);
  if (problem !== null) {
    io.stderr(`curation setup: ${problem}`);
    return 2;
  }
  const name = values.name?.trim() || DEFAULT_WEBHOOK_NAME;
  const channels = values.channel === undefined ? config.channels : config.channels.filter((c) => c.name === values.channel);
  if (channels.length === 0) {
    io.stderr(`curation setup: ${w.t('cli.setup.noChannel', { channel: values.channel ?? '', channels: config.channels.map((c) => c.name).join(', ') })}`);
    return 2;
  }
  const opts: Options = { url, name, dryRun: values['dry-run'] === true, unblock: values.unblock === true };
  let failed = 0;
  for (const channel of channels) {
    const say = (line: string) => io.stdout(config.channels.length > 1 ? `${w.t('cli.channelPrefix', { channel: channel.name })}${line}` : line);
    try {
      await setupChannel(config, channel, opts, say, w);
    } catch (err) {
      failed++;
      say(`${w.t('cli.doctor.fail')} ${err instanceof Failed ? err.message : failure(err, config, w)}`);
    }
  }
  return failed === 0 ? 0 : 1;
};

async function setupChannel(config: Config, channel: ChannelConfig, opts: Options, say: (line: string) => void, w: Words): Promise<void> {
  const loaded = await loadCurations(channel.curationsDir);
  if (!loaded.ok) throw new Failed(`${w.t('cli.setup.curationsBroken')}\n${loaded.errors.map((e) => `    ${w.problem(e)}`).join('\n')}`);
  const needed = scopesNeeded(loaded.set.curations);
  if (needed.scopes.length === 0) throw new Failed(w.t('cli.setup.noCuration', { dir: channel.curationsDir }));
  say(w.t('cli.setup.scopes', { scopes: needed.scopes.map((s) => describeScope(needed, s)).join(', ') }));

  const client = new ChannelTalkClient({
    baseUrl: config.channelTalk.apiUrl,
    accessKey: channel.accessKey,
    accessSecret: channel.accessSecret,
    timeoutMs: config.channelTalk.timeoutMs,
    retry: { maxAttempts: 3 },
  });
  const plan = planWebhookSetup({ existing: await listAllWebhooks(client), url: opts.url, name: opts.name, scopes: needed.scopes, unblock: opts.unblock });
  for (const warning of plan.warnings) say(w.t('check.warning', { message: warning }));
  if (opts.unblock && plan.action !== 'create' && plan.existing.blocked !== true) say(w.t('cli.setup.notBlocked', { webhook: plan.webhookId }));
  if (plan.action === 'none') {
    say(w.t('cli.setup.upToDate', { webhook: plan.webhookId }));
    tokenReport(plan.existing, channel, config, say, w);
    return;
  }
  // Each change is the plan's own line (what is set to what); only whether it is done or would be is worded here.
  for (const c of plan.changes) say(plan.action === 'create' ? (opts.dryRun ? w.t('cli.setup.wouldCreate', { change: c }) : c) : opts.dryRun ? w.t('cli.setup.wouldChange', { change: c }) : w.t('cli.setup.change', { change: c }));
  if (opts.dryRun) {
    say(w.t('cli.setup.dryRun'));
    if (plan.action === 'update') tokenReport(plan.existing, channel, config, say, w);
    else say(w.t('cli.setup.tokenAfterCreate'));
    return;
  }
  const steps = deskSteps({ url: opts.url, name: opts.name, scopes: plan.body.scopes, tokenWhere: tokenWhere(channel, config, w) });
  let result: Webhook;
  try {
    result = await apply(client, plan);
  } catch (err) {
    const why = failure(err, config, w);
    const could = plan.action === 'create' ? w.t('cli.setup.couldNotCreate', { why }) : w.t('cli.setup.couldNotUpdate', { webhook: plan.webhookId, why });
    throw new Failed(`${could}\n${steps.join('\n')}`);
  }
  say(plan.action === 'create' ? w.t('cli.setup.created', { webhook: result.id }) : w.t('cli.setup.updated', { webhook: result.id }));
  if (plan.action === 'update' && plan.body.blocked === false && plan.existing.blocked === true) {
    // Nothing public shows that PATCH {blocked: false} unblocks: only a fresh read counts.
    result = await client.getWebhook(result.id);
    if (result.blocked === true) {
      throw new Failed(`${w.t('cli.setup.stillBlocked', { webhook: result.id })} ${deskFix(result.id, opts.url)}`);
    }
    say(w.t('cli.setup.unblocked'));
  }
  tokenReport(result, channel, config, say, w);
}

function tokenWhere(channel: ChannelConfig, config: Config, w: Words): string {
  return config.channels.length > 1 ? w.t('cli.setup.channelTokens', { channel: channel.name }) : 'CHANNELTALK_WEBHOOK_TOKEN';
}

function apply(client: ChannelTalkClient, plan: WebhookSetupPlan): Promise<Webhook> {
  switch (plan.action) {
    case 'create':
      return client.createWebhook(plan.body);
    case 'update':
      return client.updateWebhook(plan.webhookId, plan.body);
    case 'none':
      return Promise.resolve(plan.existing);
  }
}

/** Channel Talk makes the token; the service must accept it, or every delivery is refused (401). */
function tokenReport(hook: Webhook, channel: ChannelConfig, config: Config, say: (line: string) => void, w: Words): void {
  const where = tokenWhere(channel, config, w);
  if (hook.token === undefined || hook.token === '') {
    say(w.t('cli.setup.tokenNotShown', { where }));
    return;
  }
  if (channel.webhookTokens.includes(hook.token)) {
    say(w.t('cli.setup.tokenKept', { where }));
    return;
  }
  say(channel.webhookTokens.length > 0 ? w.t('cli.setup.tokenNeededBeside', { where }) : w.t('cli.setup.tokenNeeded', { where }));
  say(`  ${w.t('cli.setup.token', { token: hook.token })}`);
}

function failure(err: unknown, config: Config, w: Words): string {
  if (err instanceof ChannelTalkRejectedError) {
    if (err.status === 401 || err.status === 403) return w.t('cli.setup.credentialsRefused', { status: err.status });
    const refused = w.t('cli.setup.refused', { method: err.method, path: err.path, status: err.status });
    return err.apiMessage ? `${refused}: ${err.apiMessage}` : refused;
  }
  if (err instanceof ChannelTalkUnavailableError) return w.t('cli.doctor.unreachable', { url: config.channelTalk.apiUrl, why: `${err.reason}${err.status ? ` ${err.status}` : ''}` });
  return err instanceof Error ? err.message : String(err);
}
