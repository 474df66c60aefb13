// The fake's user events: GET /open/v5/users/{id}/events, as the OpenAPI
// document gives it (EventsView: `events` and a `next` cursor; sortOrder
// asc, desc or both, `since` a cursor, limit 1 to 500, default 25). The
// events are the ones POST /users/{id}/events recorded (open-api.ts).
import type { FastifyInstance } from 'fastify';
import type { UserEventRecord } from './state.js';
import { answer, channelOf, reject, type FaultDeps } from './respond.js';

export function registerUserEventList(app: FastifyInstance, deps: FaultDeps): void {
  const { state } = deps;
  app.get<{ Params: { id: string } }>('/users/:id/events', async (req, reply) => {
    const channelId = channelOf(req);
    if (!state.users.has(req.params.id)) return reject(req, reply, 404, 'not_found', 'user not found');
    const q = req.query as Record<string, unknown>;
    const order = q.sortOrder ?? 'desc';
    if (order !== 'asc' && order !== 'desc' && order !== 'both') return reject(req, reply, 422, 'unprocessable_entity', 'sortOrder must be asc, desc or both');
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return reject(req, reply, 422, 'unprocessable_entity', 'limit must be an integer from 1 to 500');
    const since = typeof q.since === 'string' && q.since !== '' ? q.since : null;
    const mine = state.userEvents.filter((e) => e.userId === req.params.id && e.channelId === channelId);
    // The document allows `both` without saying what it means for a list; the fake reads it as desc, as for user chats.
    const page = pageEvents(mine, order === 'asc' ? 1 : -1, limit, since);
    if (page === 'bad cursor') return reject(req, reply, 422, 'unprocessable_entity', 'since is not a cursor from this API');
    return answer(req, reply, deps, 200, page);
  });
}

function pageEvents(all: UserEventRecord[], dir: 1 | -1, limit: number, since: string | null): { events: UserEventRecord[]; next?: string } | 'bad cursor' {
  const cmp = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) => dir * (a.createdAt - b.createdAt) || dir * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...all].sort(cmp);
  let start = 0;
  if (since !== null) {
    const pos = decodeCursor(since);
    if (pos === null) return 'bad cursor';
    const after = sorted.findIndex((e) => cmp(e, pos) > 0);
    start = after === -1 ? sorted.length : after;
  }
  const events = sorted.slice(start, start + limit);
  const last = events[events.length - 1];
  return { events, ...(start + limit < sorted.length && last ? { next: Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') } : {}) };
}

function decodeCursor(s: string): { createdAt: number; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { createdAt: v[0], id: v[1] };
  } catch {
    // fall through: not a cursor this API gave out
  }
  return null;
}
