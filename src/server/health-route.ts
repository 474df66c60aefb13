// GET /healthz: this instance's health, answered within a second whatever
// the database does.
//
// The status says whether webhooks can be stored: the store's write probe
// (bounded by the store) and the outcome of the latest writes decide it
// (Store.health(): ok, busy, unreachable, failing). The queue depth is only
// information: it is read beside the probe and waited for until the answer's
// deadline; a slow or failing read is no unhealthy database (under load it
// waits for a pooled connection), so the answer then says the depth is
// unknown, and why, instead of a false `busy`.
//
// A blocked or missing webhook is said in `webhooks` and does not make it
// 503: restarting or taking the instance out cannot unblock it, and would
// stop the sends and the sweep that recovers the missed chats. `?strict`
// answers 503 then, for a monitor that reads only the status.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../delivery/store/store.js';
import type { ChannelRegistry } from '../channel-registry.js';
import type { WebhookHealthBoard } from '../webhook/health-board.js';

/** The whole answer's deadline: the probe (the store bounds it to the same second) and the queue depth read beside it. */
export const HEALTHZ_BUDGET_MS = 1_000;

export interface HealthDeps {
  store: Pick<Store, 'health' | 'queueDepth' | 'dialect' | 'writes'>;
  channels: ChannelRegistry;
  webhookHealth?: WebhookHealthBoard | undefined;
}

type Read<T> = { ok: true; value: T } | { ok: false; why: 'late' | 'failed' };

/** `p` settled, or 'late' once `ms` have passed; `p` is left to finish on its own. */
function within<T>(p: Promise<T>, ms: number): Promise<Read<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, why: 'late' }), ms);
    void p.then(
      (value) => resolve({ ok: true, value }),
      () => resolve({ ok: false, why: 'failed' }),
    ).finally(() => clearTimeout(timer));
  });
}

const QUEUE_NOTE = {
  late: `the queue depth was not read within ${HEALTHZ_BUDGET_MS / 1000} s (the database is slow to answer reads; writes are possible)`,
  failed: 'the queue depth could not be read (writes are possible)',
} as const;

export function registerHealth(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', async (req, reply) => {
    const webhooks = deps.webhookHealth?.summary();
    const strict = Object.prototype.hasOwnProperty.call(req.query ?? {}, 'strict');
    // Both asked at once: the probe first, so on PostgreSQL it is first in line for a pooled connection.
    const probe = deps.store.health();
    const queue = within(deps.store.queueDepth(), HEALTHZ_BUDGET_MS);
    const database = await probe;
    switch (database) {
      case 'ok':
        break;
      case 'failing':
        return reply.code(503).send({ ok: false, database, writes: deps.store.writes.summary() });
      case 'busy':
      case 'unreachable':
        return reply.code(503).send({ ok: false, database });
      default: {
        const never: never = database;
        throw new Error(`unknown database state ${String(never)}`);
      }
    }
    const depth = await queue;
    const body = {
      ok: true,
      database: deps.store.dialect,
      channels: deps.channels.channels.length,
      curations: deps.channels.allCurations().curations.length,
      queue: depth.ok ? depth.value : null,
      ...(depth.ok ? {} : { note: QUEUE_NOTE[depth.why] }),
      ...(webhooks ? { webhooks } : {}),
    };
    return reply.code(strict && webhooks?.ok === false ? 503 : 200).send(body);
  });
}
