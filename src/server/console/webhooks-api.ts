// The webhook's health and the recent sweeps for the console's banner and
// overview, and the Unblock button: it lifts the block through the API and
// sets off the sweep of the chats opened meanwhile.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebhookHealth } from '../../webhook/health.js';
import type { UnblockOutcome } from '../../webhook/runtime.js';
import type { SweepRecord } from '../../webhook/sweep-log.js';
import type { Audit } from './audit.js';
import { consoleError } from './messages.js';
import type { Session } from './sessions.js';

/** What the console needs of the webhook runtime (src/webhook/runtime.ts). */
export interface ConsoleWebhooks {
  channelNames(): string[];
  board: { all(): WebhookHealth[] };
  sweeps: { recent(limit?: number): SweepRecord[] };
  /** Unblocks through the API and then starts the after-block sweep (the runtime's callback). */
  unblock(channel: string, operator: string): Promise<UnblockOutcome>;
}

export interface WebhooksApiDeps {
  webhooks: ConsoleWebhooks | undefined;
  logger: Logger;
  sessionOf: (req: FastifyRequest) => Session;
  audit: Audit;
}

/** Recovered chat ids shown per sweep; the rest are counted. */
const SHOWN_RECOVERED = 50;

function sweepView(r: SweepRecord) {
  return {
    channel: r.channel,
    reason: r.reason,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    scanned: r.scanned,
    pages: r.pages,
    complete: r.complete,
    late: r.late,
    skipped: r.skipped.length,
    recoveredCount: r.recovered.length,
    recovered: r.recovered.slice(0, SHOWN_RECOVERED),
    error: r.error ?? null,
    errorWords: r.errorWords ?? null,
  };
}

export function registerWebhooksApi(api: FastifyInstance, deps: WebhooksApiDeps): void {
  api.get('/webhooks', () => ({
    channels: deps.webhooks?.board.all() ?? [],
    sweeps: (deps.webhooks?.sweeps.recent(10) ?? []).map(sweepView),
  }));

  api.post('/webhooks/unblock', async (req, reply) => {
    const channel = (req.body as { channel?: unknown } | undefined)?.channel;
    const webhooks = deps.webhooks;
    if (!webhooks) return reply.code(404).send(consoleError('error.noWebhookHealth'));
    if (typeof channel !== 'string' || !webhooks.channelNames().includes(channel)) return reply.code(400).send(consoleError('error.noSuchChannel'));
    const operator = deps.sessionOf(req).operatorId;
    deps.logger.info({ operator, channel }, 'console: webhook unblock asked');
    const r = await webhooks.unblock(channel, operator);
    // After the call: the unblock is Channel Talk's write, not ours.
    await deps.audit(req, 'webhook.unblocked', channel, { outcome: r.outcome, ...(r.outcome === 'unblocked' || r.outcome === 'not_blocked' ? { webhookId: r.webhook.id } : {}) });
    switch (r.outcome) {
      case 'unblocked':
      case 'not_blocked':
        return { ok: true, outcome: r.outcome, channel, sweep: r.sweep, webhookId: r.webhook.id };
      case 'refused':
      case 'error':
        // code/params: the reason in the operator's language (api.js); fixWords: the desk's steps, for the banner.
        return reply.code(r.outcome === 'refused' ? 409 : 502).send({ ok: false, outcome: r.outcome, channel, error: r.reason, fix: r.fix, ...(r.words ? { code: r.words.reason.code, params: r.words.reason.params, fixWords: r.words.fix } : {}) });
    }
  });
}
