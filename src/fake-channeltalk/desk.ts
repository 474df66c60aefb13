// What a manager does to a chat in the desk: assign it to a manager, give it
// to a team (teamId, no assigneeId), snooze or close it. No webhook scope
// delivers these (issue 17 item 3): by default the fake only changes the chat,
// which GET /user-chats/{id} then shows. `deliverLog: true` also delivers the
// log message (assign/close) Channel Talk sometimes writes, for tests that
// want the kinder path.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { FakeState } from './state.js';

const DeskActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('assign'), assigneeId: z.string().min(1).optional(), deliverLog: z.boolean().optional() }),
  z.object({ action: z.literal('team'), teamId: z.string().min(1), deliverLog: z.boolean().optional() }),
  z.object({ action: z.literal('snooze'), deliverLog: z.boolean().optional() }),
  z.object({ action: z.literal('close'), deliverLog: z.boolean().optional() }),
]);

export function registerDesk(app: FastifyInstance, state: FakeState, managerId: string, deliverLog: (chatId: string, action: string) => Promise<unknown>): void {
  app.post<{ Params: { id: string } }>('/user-chats/:id/desk', async (req, reply) => {
    const parsed = DeskActionSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const chat = state.userChats.get(req.params.id);
    if (!chat) return reply.code(404).send({ message: 'no such chat in the fake', code: 'not_found' });
    const a = parsed.data;
    switch (a.action) {
      case 'assign':
        chat.assigneeId = a.assigneeId ?? managerId;
        break;
      case 'team':
        chat.teamId = a.teamId;
        break;
      case 'snooze':
        chat.state = 'snoozed';
        break;
      case 'close':
        chat.state = 'closed';
        break;
    }
    chat.updatedAt = Date.now();
    const logAction = a.action === 'close' ? 'close' : a.action === 'snooze' ? 'snooze' : 'assign';
    const deliveries = a.deliverLog === true ? await deliverLog(chat.id, logAction) : [];
    return { ok: true, deliveries };
  });
}

function bad(reply: FastifyReply, error: z.ZodError): undefined {
  reply.code(400).send({ message: z.prettifyError(error), code: 'bad_request' });
  return undefined;
}
