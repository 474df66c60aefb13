// How the fake answers: errors in the `{message, code}` shape seen from the
// real API, and the effects of injected faults (including "after commit"
// ones, applied once the handler has recorded what the request did).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Fault } from './faults.js';
import type { FakeState } from './state.js';

export interface RequestContext {
  channelId: string | null;
  /** A fault to apply when the handler answers (after the request took effect). */
  pendingFault: Fault | null;
  /** Why the request was refused, for /_fake/received. */
  reason: string | null;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function contextOf(req: FastifyRequest): RequestContext {
  let ctx = contexts.get(req);
  if (!ctx) {
    ctx = { channelId: null, pendingFault: null, reason: null };
    contexts.set(req, ctx);
  }
  return ctx;
}

/** Routes run after the auth hook, so a channel is always known there. */
export function channelOf(req: FastifyRequest): string {
  const id = contextOf(req).channelId;
  if (id === null) throw new Error('fake channeltalk: route reached without an authenticated channel');
  return id;
}

export function reject(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  errors?: Array<{ message: string }>,
): FastifyReply {
  contextOf(req).reason = errors && errors.length > 0 ? `${code}: ${errors.map((e) => e.message).join('; ')}` : `${code}: ${message}`;
  return reply.code(status).send({ message, code, ...(errors ? { errors } : {}) });
}

/** Stalls that close() must cut short, or the server would wait for them. */
export class StallRegistry {
  private readonly cancels = new Set<() => void>();
  private closing = false;

  /** Resolves true when the stall ran its course with the client still there. */
  stall(ms: number, req: FastifyRequest): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const socket = req.raw.socket;
      const finish = (completed: boolean): void => {
        clearTimeout(timer);
        socket.off('close', onClose);
        this.cancels.delete(cancel);
        resolve(completed && !socket.destroyed);
      };
      const onClose = (): void => finish(false);
      const cancel = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      socket.once('close', onClose);
      this.cancels.add(cancel);
    });
  }

  cancelAll(): void {
    this.closing = true;
    for (const c of [...this.cancels]) c();
  }
}

export interface FaultDeps {
  state: FakeState;
  stalls: StallRegistry;
}

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url;
}

/** Ends the exchange without an answer, like a connection lost mid-request. */
export function dropConnection(req: FastifyRequest, reply: FastifyReply, deps: FaultDeps, outcome: 'dropped' | 'stalled'): FastifyReply {
  deps.state.countRequest(outcome);
  deps.state.rejected.push({ status: null, path: pathOf(req), reason: `fault: ${outcome}`, at: Date.now() });
  reply.hijack();
  req.raw.socket.destroy();
  return reply;
}

export function tooManyRequests(req: FastifyRequest, reply: FastifyReply, limit: number | null, why: string): FastifyReply {
  const reset = Math.floor(Date.now() / 1000) + 1;
  reply.headers({
    'x-ratelimit-limit': String(limit ?? 100),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(reset),
    'retry-after': '1',
  });
  return reject(req, reply, 429, 'too_many_requests', why);
}

/**
 * Applies a fault. For a 'timeout' after commit, the real answer is sent late
 * (`late`); before commit, a stall ends in 504 like a gateway giving up.
 */
export async function applyFault(
  fault: Fault,
  req: FastifyRequest,
  reply: FastifyReply,
  deps: FaultDeps,
  late?: { status: number; payload: unknown },
): Promise<FastifyReply> {
  switch (fault.kind) {
    case '500':
      return reject(req, reply, 500, 'internal_server_error', 'injected fault');
    case '503':
      return reject(req, reply, 503, 'service_unavailable', 'injected fault');
    case '429':
      return tooManyRequests(req, reply, deps.state.rateLimit.limit, 'injected fault');
    case 'drop':
      return dropConnection(req, reply, deps, 'dropped');
    case 'timeout': {
      const stillThere = await deps.stalls.stall(deps.state.faults.stallMs, req);
      if (!stillThere) return dropConnection(req, reply, deps, 'stalled');
      if (late) return reply.code(late.status).send(late.payload);
      return reject(req, reply, 504, 'gateway_timeout', 'injected fault');
    }
  }
}

/** The handler's answer, unless an after-commit fault takes its place. */
export async function answer(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: FaultDeps,
  status: number,
  payload: unknown,
): Promise<FastifyReply> {
  const fault = contextOf(req).pendingFault;
  if (fault) return applyFault(fault, req, reply, deps, { status, payload });
  return reply.code(status).send(payload);
}
