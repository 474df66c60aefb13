// The test double's own API under /_fake: no auth, never part of the real one.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { registerChatControl } from './control-chats.js';
import { FaultConfigSchema } from './faults.js';
import type { FakeState } from './state.js';

const UsersSchema = z.object({
  users: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().optional(),
      profile: z.record(z.string(), z.unknown()).optional(),
      language: z.string().optional(),
    }),
  ),
});

// shared: one budget for every endpoint of a channel (the kinder, opt-in model); by default each endpoint family has its own.
const RateLimitSchema = z.object({ perSecond: z.number().int().positive().nullable(), shared: z.boolean().optional() });

export function registerControl(app: FastifyInstance, state: FakeState): void {
  // Synchronous handlers: Fastify sends what they return.
  app.get('/healthz', () => ({ ok: true }));

  app.get('/received', (req) => {
    const q = req.query as Record<string, unknown>;
    return state.received({
      chatId: typeof q.chatId === 'string' ? q.chatId : undefined,
      channelId: typeof q.channelId === 'string' ? q.channelId : undefined,
    });
  });

  app.post('/reset', () => {
    state.reset();
    return { ok: true };
  });

  app.get('/faults', () => state.faults.current());

  app.post('/faults', (req, reply) => {
    const parsed = FaultConfigSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    state.faults.configure(parsed.data);
    return { ok: true, faults: state.faults.current() };
  });

  app.post('/rate-limit', (req, reply) => {
    const parsed = RateLimitSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    state.rateLimit.configure(parsed.data.perSecond, 'enforced', { shared: parsed.data.shared ?? false });
    return { ok: true, perSecond: parsed.data.perSecond, shared: state.rateLimit.sharedBudget };
  });

  registerChatControl(app, state);

  app.post('/users', (req, reply) => {
    const parsed = UsersSchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    for (const u of parsed.data.users) {
      state.users.set(u.id, {
        id: u.id,
        profile: u.profile ?? {},
        ...(u.name !== undefined ? { name: u.name } : {}),
        ...(u.language !== undefined ? { language: u.language } : {}),
      });
    }
    return { ok: true, users: parsed.data.users.length };
  });
}

function badRequest(reply: FastifyReply, error: z.ZodError): undefined {
  reply.code(400).send({ message: z.prettifyError(error), code: 'bad_request' });
  return undefined;
}
