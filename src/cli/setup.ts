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
import { formatLoadError, loadCurations } from '../curation/index.js';
import { deskFix, listAllWebhooks } from '../webhook/health.js';
import { describeScope, scopesNeeded } from '../webhook/scopes.js';
import { DEFAULT_WEBHOOK_NAME, deskSteps, planWebhookSetup, webhookUrlProblem, type WebhookSetupPlan } from '../webhook/setup-plan.js';
import type { Command } from './io.js';
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
    io.stderr(`curation setup: give the service's webhook URL with --url, or set PUBLIC_WEBHOOK_URL (e.g. https://curation.example.com/webhooks/channeltalk)\n${USAGE}`);
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
    io.stderr(`curation setup: no channel named '${values.channel ?? ''}'; the channels are ${config.channels.map((c) => c.name).join(', ')}`);
    return 2;
  }
  const opts: Options = { url, name, dryRun: values['dry-run'] === true, unblock: values.unblock === true };
  let failed = 0;
  for (const channel of channels) {
    const say = (line: string) => io.stdout(config.channels.length > 1 ? `channel ${channel.name}: ${line}` : line);
    try {
      await setupChannel(config, channel, opts, say);
    } catch (err) {
      failed++;
      say(`FAIL ${err instanceof Failed ? err.message : failure(err, config)}`);
    }
  }
  return failed === 0 ? 0 : 1;
};

async function setupChannel(config: Config, channel: ChannelConfig, opts: Options, say: (line: string) => void): Promise<void> {
  const loaded = await loadCurations(channel.curationsDir);
  if (!loaded.ok) throw new Failed(`the curations do not load, so the scopes they need are unknown:\n${loaded.errors.map((e) => `    ${formatLoadError(e)}`).join('\n')}`);
  const needed = scopesNeeded(loaded.set.curations);
  if (needed.scopes.length === 0) throw new Failed(`no curation in ${channel.curationsDir}: nothing needs a webhook yet`);
  say(`scopes the curations need: ${needed.scopes.map((s) => describeScope(needed, s)).join(', ')}`);

  const client = new ChannelTalkClient({
    baseUrl: config.channelTalk.apiUrl,
    accessKey: channel.accessKey,
    accessSecret: channel.accessSecret,
    timeoutMs: config.channelTalk.timeoutMs,
    retry: { maxAttempts: 3 },
  });
  const plan = planWebhookSetup({ existing: await listAllWebhooks(client), url: opts.url, name: opts.name, scopes: needed.scopes, unblock: opts.unblock });
  for (const w of plan.warnings) say(`warning: ${w}`);
  if (opts.unblock && plan.action !== 'create' && plan.existing.blocked !== true) say(`webhook ${plan.webhookId} is not blocked: nothing to unblock`);
  if (plan.action === 'none') {
    say(`webhook ${plan.webhookId} is up to date: nothing to change`);
    tokenReport(plan.existing, channel, config, say);
    return;
  }
  for (const c of plan.changes) say(`${opts.dryRun ? 'would ' : ''}${plan.action === 'create' ? '' : 'change '}${c}`);
  if (opts.dryRun) {
    say('dry run: nothing was changed');
    if (plan.action === 'update') tokenReport(plan.existing, channel, config, say);
    else say('the token: Channel Talk makes it when the webhook is created; run without --dry-run to see it');
    return;
  }
  const steps = deskSteps({ url: opts.url, name: opts.name, scopes: plan.body.scopes, tokenWhere: tokenWhere(channel, config) });
  let result: Webhook;
  try {
    result = await apply(client, plan);
  } catch (err) {
    const what = plan.action === 'create' ? 'create the webhook' : `update webhook ${plan.webhookId}`;
    throw new Failed(`could not ${what} through the API: ${failure(err, config)}\n${steps.join('\n')}`);
  }
  say(`${plan.action === 'create' ? 'created' : 'updated'} webhook ${result.id}`);
  if (plan.action === 'update' && plan.body.blocked === false && plan.existing.blocked === true) {
    // Nothing public shows that PATCH {blocked: false} unblocks: only a fresh read counts.
    result = await client.getWebhook(result.id);
    if (result.blocked === true) {
      throw new Failed(`read again after the PATCH, webhook ${result.id} is still blocked. ${deskFix(result.id, opts.url)}`);
    }
    say(`unblocked: the service notices at its next health check (WEBHOOK_HEALTH_INTERVAL_SECONDS) and sweeps the chats opened while it was blocked`);
  }
  tokenReport(result, channel, config, say);
}

function tokenWhere(channel: ChannelConfig, config: Config): string {
  return config.channels.length > 1 ? `webhookTokens of channel ${channel.name} in CHANNELS_FILE` : 'CHANNELTALK_WEBHOOK_TOKEN';
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
function tokenReport(w: Webhook, channel: ChannelConfig, config: Config, say: (line: string) => void): void {
  const where = tokenWhere(channel, config);
  if (w.token === undefined || w.token === '') {
    say(`the token: Channel Talk did not show it; copy it from the desk (Settings > Webhook) into ${where}`);
    return;
  }
  if (channel.webhookTokens.includes(w.token)) {
    say(`the token: the webhook's token is in ${where}`);
    return;
  }
  const keep = channel.webhookTokens.length > 0 ? ' (next to the one there now, comma-separated, until the service has restarted)' : '';
  say(`ACTION NEEDED: the webhook's token is not in ${where}; until it is, the service refuses its deliveries (401). Put it there${keep} and restart the service:`);
  say(`  token: ${w.token}`);
}

function failure(err: unknown, config: Config): string {
  if (err instanceof ChannelTalkRejectedError) {
    if (err.status === 401 || err.status === 403) return `Channel Talk refused the credentials (${err.status}): check the access key and secret (desk: Settings > API key)`;
    return `Channel Talk refused ${err.method} ${err.path} (HTTP ${err.status})${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
  }
  if (err instanceof ChannelTalkUnavailableError) return `could not reach ${config.channelTalk.apiUrl} (${err.reason}${err.status ? ` ${err.status}` : ''}): check CHANNELTALK_API_URL and the network`;
  return err instanceof Error ? err.message : String(err);
}
