// The /open/v5 endpoints the client uses, answering like the real API as far
// as the docs tell: 401 for a wrong key pair, 422 for bodies it would refuse,
// x-ratelimit-* headers and 429 when rate limiting is on.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { echoOwnMessage } from './system-messages.js';
import { specMessageProblems } from './message-rules.js';
import type { Credentials } from './auth.js';
import { registerWebhookApi } from './open-api-webhooks.js';
import { registerUserEventList } from './user-events.js';
import { problemsOf, SpecUserEventSchema, SpecUserPatchSchema } from './spec.js';
import { userChatView, userView } from './user-chats.js';
import { botOf, pageMessages, toApiMessage } from './messages.js';
import {
  answer,
  applyFault,
  channelOf,
  contextOf,
  reject,
  type FaultDeps,
} from './respond.js';

const E164 = /^\+[1-9]\d{6,14}$/;

export interface OpenApiDeps extends FaultDeps {
  credentials: Credentials;
}

type Params = { id: string };

/** The request's path under /open/v5, without the query (the rate limit's family reads it). */
function apiPath(url: string): string {
  const path = url.split('?')[0] ?? url;
  const at = path.indexOf('/open/v5');
  return at === -1 ? path : path.slice(at + '/open/v5'.length);
}

export function registerOpenApi(app: FastifyInstance, deps: OpenApiDeps): void {
  const { state } = deps;

  app.addHook('onRequest', async (req, reply) => {
    const ctx = contextOf(req);
    // Faults model the network and the servers in front of the API: they come before auth.
    const fault = state.faults.decide();
    if (fault) {
      if (fault.afterCommit && req.method !== 'GET') {
        ctx.pendingFault = fault;
      } else {
        return applyFault(fault, req, reply, deps);
      }
    }
    const channelId = deps.credentials.channelFor(req.headers['x-access-key'], req.headers['x-access-secret']);
    if (channelId === null) {
      ctx.pendingFault = null;
      return reject(req, reply, 401, 'unauthorized', 'missing or wrong x-access-key / x-access-secret');
    }
    ctx.channelId = channelId;
    const verdict = state.rateLimit.check(channelId, apiPath(req.url), Date.now());
    if (verdict) {
      reply.headers(verdict.headers);
      if (!verdict.allowed) {
        ctx.pendingFault = null;
        return reject(req, reply, 429, 'too_many_requests', 'rate limit exceeded');
      }
    }
    return undefined;
  });

  app.addHook('onResponse', async (req, reply) => {
    state.countRequest(reply.statusCode);
    if (reply.statusCode >= 400) {
      state.rejected.push({
        status: reply.statusCode,
        path: req.url.split('?')[0] ?? req.url,
        reason: contextOf(req).reason ?? `http ${reply.statusCode}`,
        at: Date.now(),
      });
    }
  });

  app.setNotFoundHandler((req, reply) => reject(req, reply, 404, 'not_found', 'no such endpoint'));

  app.get('/channel', async (req, reply) => {
    const id = channelOf(req);
    return answer(req, reply, deps, 200, { channel: { id, name: `Fake channel ${id}` } });
  });

  app.post<{ Params: Params }>('/user-chats/:id/messages', async (req, reply) => {
    const channelId = channelOf(req);
    const botName = botNameParam(req);
    if (botName === INVALID) return reject(req, reply, 422, 'unprocessable_entity', 'botName must be a non-empty string');
    const problems = specMessageProblems(req.body);
    if (problems.length > 0) {
      return reject(req, reply, 422, 'unprocessable_entity', 'invalid message', problems.map((message) => ({ message })));
    }
    const body = req.body as Record<string, unknown>;
    const requestId = typeof body.requestId === 'string' ? body.requestId : null;
    const chatId = req.params.id;
    const existing = requestId !== null ? state.findByRequestId(channelId, chatId, requestId) : undefined;
    if (existing) state.duplicateRequestIds++;
    const m = existing ?? state.recordMessage({ channelId, chatId, body, botName, requestId });
    // A message is activity: the chat moves to the top of the list (its default order).
    const chat = existing ? undefined : state.userChats.get(chatId);
    if (chat) chat.lastActivityAt = Date.now();
    if (!existing) echoOwnMessage(state, m);
    return answer(req, reply, deps, 200, { message: toApiMessage(m), ...(m.botName !== null ? { bot: botOf(m.botName) } : {}) });
  });

  app.get<{ Params: Params }>('/user-chats/:id/messages', async (req, reply) => {
    const channelId = channelOf(req);
    const q = req.query as Record<string, unknown>;
    const sortOrder = q.sortOrder ?? 'desc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc' && sortOrder !== 'both') {
      return reject(req, reply, 422, 'unprocessable_entity', 'sortOrder must be asc, desc or both');
    }
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      return reject(req, reply, 422, 'unprocessable_entity', 'limit must be an integer from 1 to 500');
    }
    let since: number | null = null;
    if (q.since !== undefined && q.since !== '') {
      since = Number(q.since);
      if (!Number.isInteger(since)) return reject(req, reply, 422, 'unprocessable_entity', 'since is not a cursor from this API');
    }
    const page = pageMessages(state.chatMessages(channelId, req.params.id), sortOrder, limit, since);
    const bots = [...new Set(page.messages.map((m) => m.botName))].map(botOf);
    return answer(req, reply, deps, 200, { ...page, messages: page.messages.map(toApiMessage), bots });
  });

  app.get<{ Params: Params }>('/user-chats/:id', async (req, reply) => {
    const channelId = channelOf(req);
    const known = state.userChats.get(req.params.id);
    if (known && known.channelId === channelId) {
      return answer(req, reply, deps, 200, { userChat: { ...userChatView(known), ...(state.isClosed(channelId, known.id) ? { state: 'closed' } : {}) } });
    }
    return answer(req, reply, deps, 200, { userChat: userChatOf(state.isClosed(channelId, req.params.id), channelId, req.params.id) });
  });

  app.patch<{ Params: Params }>('/user-chats/:id/close', async (req, reply) => {
    const channelId = channelOf(req);
    const botName = botNameParam(req);
    if (botName === null || botName === INVALID) {
      return reject(req, reply, 422, 'unprocessable_entity', 'botName is required to close a user chat');
    }
    state.closes.push({ channelId, chatId: req.params.id, botName, at: Date.now() });
    const known = state.userChats.get(req.params.id);
    if (known && known.channelId === channelId) known.state = 'closed';
    return answer(req, reply, deps, 200, { userChat: userChatOf(true, channelId, req.params.id) });
  });

  app.get<{ Params: Params }>('/users/:id', async (req, reply) => {
    const channelId = channelOf(req);
    const user = state.users.get(req.params.id);
    if (!user) return reject(req, reply, 404, 'not_found', 'user not found');
    state.userReads.push({ channelId, userId: user.id, at: Date.now() });
    return answer(req, reply, deps, 200, { user: userView(user, channelId), online: null });
  });

  app.patch<{ Params: Params }>('/users/:id', async (req, reply) => {
    const channelId = channelOf(req);
    const user = state.users.get(req.params.id);
    if (!user) return reject(req, reply, 404, 'not_found', 'user not found');
    const parsed = SpecUserPatchSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reject(req, reply, 422, 'unprocessable_entity', 'invalid user', problemsOf(parsed.error).map((message) => ({ message })));
    const { profile = {}, profileOnce = {} } = parsed.data;
    for (const patch of [profile, profileOnce]) {
      if (patch.mobileNumber !== undefined && (typeof patch.mobileNumber !== 'string' || !E164.test(patch.mobileNumber))) {
        return reject(req, reply, 422, 'unprocessable_entity', 'mobileNumber must be E.164, e.g. +821012345678');
      }
    }
    // profileOnce sets a field only where it is empty.
    const once = Object.fromEntries(Object.entries(profileOnce).filter(([k]) => user.profile[k] === undefined || user.profile[k] === null || user.profile[k] === ''));
    const applied = { ...once, ...profile };
    user.profile = { ...user.profile, ...applied };
    if (parsed.data.tags !== undefined) user.tags = [...parsed.data.tags];
    for (const k of ['blocked', 'unsubscribeEmail', 'unsubscribeTexting'] as const) {
      const v = parsed.data[k];
      if (v !== undefined) user[k] = v;
    }
    state.profilePatches.push({ channelId, userId: user.id, profile: applied, at: Date.now() });
    return answer(req, reply, deps, 200, { user: { ...userView(user, channelId) } });
  });

  app.post<{ Params: Params }>('/users/:id/events', async (req, reply) => {
    const channelId = channelOf(req);
    const user = state.users.get(req.params.id);
    if (!user) return reject(req, reply, 404, 'not_found', 'user not found');
    const parsed = SpecUserEventSchema.safeParse(req.body);
    if (!parsed.success) return reject(req, reply, 422, 'unprocessable_entity', 'invalid event', problemsOf(parsed.error).map((message) => ({ message })));
    const event = {
      id: `ev${(state.userEvents.length + 1).toString(16).padStart(10, '0')}`,
      channelId,
      userId: user.id,
      name: parsed.data.name,
      property: parsed.data.property ?? {},
      createdAt: Date.now(),
    };
    state.userEvents.push(event);
    return answer(req, reply, deps, 200, { event });
  });

  registerWebhookApi(app, deps);
  registerUserEventList(app, deps);
}

const INVALID = Symbol('invalid botName');

/** The botName query: null when absent, INVALID when empty or repeated. */
function botNameParam(req: FastifyRequest): string | null | typeof INVALID {
  const v = (req.query as Record<string, unknown>).botName;
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.trim() === '') return INVALID;
  return v;
}

function userChatOf(closed: boolean, channelId: string, id: string): Record<string, unknown> {
  return { id, channelId, state: closed ? 'closed' : 'opened' };
}
