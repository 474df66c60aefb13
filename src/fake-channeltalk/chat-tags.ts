// Tags added to a user chat (issue 19 item 6). No webhook scope delivers a
// chat's tags. A tag that a support bot or a Workflow adds leaves a bot's log
// message, `log: {action: "addTags", values, triggerType, triggerId}`, on
// message.created.userChat (channel-talk.md, "Webhooks"); the fake delivers
// that. For a tag a manager adds in the desk no source documents a delivery:
// by default the fake only changes the chat (GET /user-chats/{id} shows it),
// and `deliverLog: true` opts in to the other reading, a manager's log message.
// The trigger types `workflow` and `supportBot` are the fake's naming: the
// record names the fields, not their values.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { botOf } from './messages.js';
import type { FakeState } from './state.js';
import { userChatView, userView, type FakeUserChat } from './user-chats.js';

/** A user chat holds at most 8 tags (OpenAPI v27.40.6, UserChat.tags maxItems). */
const MAX_CHAT_TAGS = 8;
const Tags = z.array(z.string().min(1).max(100)).min(1).max(MAX_CHAT_TAGS);

const AddTagsSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.enum(['workflow', 'supportBot']), triggerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), tags: Tags }),
  z.strictObject({ by: z.literal('manager'), tags: Tags, deliverLog: z.boolean().optional() }),
]);
type AddTags = z.infer<typeof AddTagsSchema>;

export function registerChatTags(app: FastifyInstance, state: FakeState, managerId: string): void {
  app.post<{ Params: { id: string } }>('/user-chats/:id/tags', async (req, reply) => {
    const parsed = AddTagsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, z.prettifyError(parsed.error));
    const chat = state.userChats.get(req.params.id);
    if (!chat) return reply.code(404).send({ message: 'no such chat in the fake', code: 'not_found' });
    const added = [...new Set(parsed.data.tags)].filter((t) => !chat.tags.includes(t));
    if (chat.tags.length + added.length > MAX_CHAT_TAGS) return bad(reply, `a user chat holds at most ${MAX_CHAT_TAGS} tags`);
    chat.tags = [...chat.tags, ...added];
    chat.updatedAt = Date.now();
    const delivered = added.length > 0 && deliversLog(parsed.data);
    const id = `lm${randomBytes(9).toString('hex')}`;
    const deliveries = delivered ? await state.webhooks.deliver(chat.channelId, 'message.created.userChat', id, logMessage(state, chat, id, added, parsed.data, managerId)) : [];
    return { ok: true, tags: chat.tags, ...(delivered ? { messageId: id } : {}), deliveries };
  });
}

function deliversLog(a: AddTags): boolean {
  switch (a.by) {
    case 'workflow':
    case 'supportBot':
      return true;
    case 'manager':
      return a.deliverLog === true;
  }
}

function logMessage(state: FakeState, chat: FakeUserChat, id: string, added: string[], a: AddTags, managerId: string): Record<string, unknown> {
  const byManager = a.by === 'manager';
  const log = { action: 'addTags', values: added, triggerType: a.by, triggerId: byManager ? managerId : a.triggerId };
  const user = state.users.get(chat.userId);
  return {
    event: 'push',
    type: 'message',
    entity: {
      id,
      channelId: chat.channelId,
      chatType: 'userChat',
      chatId: chat.id,
      personType: byManager ? 'manager' : 'bot',
      personId: byManager ? managerId : botOf(null).id,
      createdAt: Date.now(),
      log,
    },
    refers: { userChat: userChatView(chat), ...(user ? { user: userView(user, chat.channelId) } : {}) },
  };
}

function bad(reply: FastifyReply, message: string): undefined {
  reply.code(400).send({ message, code: 'bad_request' });
  return undefined;
}
