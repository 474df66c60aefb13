// /open/v5/webhooks and /open/v5/user-chats (the list), answering like the
// real API: bodies checked against the OpenAPI document's webhook.Webhook,
// `token`, `lastBlockedAt` and `createdAt` read-only. `blocked` is writable in
// the document, but nothing public shows that PATCH {blocked: false} lifts a
// block: by default it does not (the answer shows it still blocked); the
// `apiUnblock` switch of POST /_fake/webhooks/config makes it work, and
// `createFails` makes POST /webhooks answer 500 as it has been seen doing.
import type { FastifyInstance } from 'fastify';
import { answer, channelOf, reject, type FaultDeps } from './respond.js';
import { problemsOf, SpecWebhookSchema } from './spec.js';
import { CHAT_STATES, pageUserChats, userChatView, userView, type ChatState } from './user-chats.js';
import { webhookView } from './webhooks.js';

type Params = { id: string };

export function registerWebhookApi(app: FastifyInstance, deps: FaultDeps): void {
  const { state } = deps;
  const hooks = state.webhooks;

  app.get('/webhooks', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return reject(req, reply, 422, 'unprocessable_entity', 'limit must be an integer from 1 to 500');
    const since = q.since === undefined || q.since === '' ? null : Number(q.since);
    if (since !== null && !Number.isFinite(since)) return reject(req, reply, 422, 'unprocessable_entity', 'since must be a timestamp');
    // Newest first; `since` is the createdAt of the first webhook to return.
    const all = hooks.ofChannel(channelOf(req)).filter((w) => since === null || w.createdAt <= since);
    const page = all.slice(0, limit);
    const after = all[limit];
    return answer(req, reply, deps, 200, { webhooks: page.map(webhookView), ...(after ? { next: after.createdAt } : {}) });
  });

  app.post('/webhooks', async (req, reply) => {
    const parsed = SpecWebhookSchema.safeParse(req.body);
    if (!parsed.success) return reject(req, reply, 422, 'unprocessable_entity', 'invalid webhook', problemsOf(parsed.error).map((message) => ({ message })));
    if (hooks.config.createFails) return reject(req, reply, 500, 'internal_server_error', 'internal server error');
    const w = hooks.create(channelOf(req), parsed.data, Date.now());
    return answer(req, reply, deps, 200, { webhook: webhookView(w) });
  });

  app.get<{ Params: Params }>('/webhooks/:id', async (req, reply) => {
    const w = hooks.byId.get(req.params.id);
    if (!w || w.channelId !== channelOf(req)) return reject(req, reply, 404, 'not_found', 'webhook not found');
    return answer(req, reply, deps, 200, { webhook: webhookView(w) });
  });

  app.patch<{ Params: Params }>('/webhooks/:id', async (req, reply) => {
    const w = hooks.byId.get(req.params.id);
    if (!w || w.channelId !== channelOf(req)) return reject(req, reply, 404, 'not_found', 'webhook not found');
    const parsed = SpecWebhookSchema.safeParse(req.body);
    if (!parsed.success) return reject(req, reply, 422, 'unprocessable_entity', 'invalid webhook', problemsOf(parsed.error).map((message) => ({ message })));
    return answer(req, reply, deps, 200, { webhook: webhookView(hooks.update(w, parsed.data)) });
  });

  app.delete<{ Params: Params }>('/webhooks/:id', async (req, reply) => {
    const w = hooks.byId.get(req.params.id);
    if (!w || w.channelId !== channelOf(req)) return reject(req, reply, 404, 'not_found', 'webhook not found');
    hooks.byId.delete(w.id);
    return answer(req, reply, deps, 200, {});
  });

  app.get('/user-chats', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const st = q.state ?? 'opened';
    if (typeof st !== 'string' || !(CHAT_STATES as readonly string[]).includes(st)) {
      return reject(req, reply, 422, 'unprocessable_entity', `state must be one of ${CHAT_STATES.join(', ')}`);
    }
    const order = q.sortOrder ?? 'desc';
    if (order !== 'asc' && order !== 'desc' && order !== 'both') return reject(req, reply, 422, 'unprocessable_entity', 'sortOrder must be asc, desc or both');
    // The document allows `both` without saying what it means for a list; the fake reads it as desc.
    const sortOrder = order === 'asc' ? 'asc' : 'desc';
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return reject(req, reply, 422, 'unprocessable_entity', 'limit must be an integer from 1 to 500');
    const since = typeof q.since === 'string' && q.since !== '' ? q.since : null;
    const channelId = channelOf(req);
    const mine = [...state.userChats.values()].filter((c) => c.channelId === channelId);
    const page = pageUserChats(mine, { state: st as ChatState, sortOrder, limit, since, order: state.chatListOrder });
    if (page === 'bad cursor') return reject(req, reply, 422, 'unprocessable_entity', 'since is not a cursor from this API');
    const users = [...new Set(page.userChats.map((c) => c.userId))].flatMap((id) => {
      const u = state.users.get(id);
      return u ? [userView(u, channelId)] : [];
    });
    return answer(req, reply, deps, 200, {
      userChats: page.userChats.map(userChatView),
      users,
      messages: [],
      sessions: [],
      managers: [],
      chatTags: [],
      ...(page.next !== undefined ? { next: page.next } : {}),
    });
  });
}
