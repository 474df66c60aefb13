// What Channel Talk delivers as messages besides text (issue 17): the echo of
// the messages we send, and the system messages a test asks the fake to play.
// - Our own message comes back as message.created.userChat with our requestId:
//   personType "bot", or "manager" when it was sent with actAsManager.
// - A log message (a `log` object, no text) and a phone call (`meet`, no text)
//   come under the customer's name, personType "user"; a sticker as a system
//   text. None of them is the customer writing.
// - A support-bot button click carries the emoji in plainText and the
//   `:shortcode:` in its blocks: that one is the customer's choice.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { toApiMessage } from './messages.js';
import type { FakeState, RecordedMessage } from './state.js';
import { userView, type FakeUserChat } from './user-chats.js';
import { registerDesk } from './desk.js';
import { registerChatTags } from './chat-tags.js';

/** The manager Channel Talk names on an actAsManager message: the fake's only manager. */
export const FAKE_MANAGER_ID = '228036';

const SystemMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('log'), action: z.string().min(1), values: z.array(z.string()).optional() }),
  z.object({ kind: z.literal('sticker') }),
  z.object({ kind: z.literal('meet') }),
  z.object({ kind: z.literal('buttonClick'), emoji: z.string().min(1), shortcode: z.string().regex(/^:[a-z0-9_+-]+:$/), label: z.string().min(1).optional() }),
]);
type SystemMessage = z.infer<typeof SystemMessageSchema>;

export function registerSystemMessages(app: FastifyInstance, state: FakeState): void {
  app.post<{ Params: { id: string } }>('/user-chats/:id/system-messages', async (req, reply) => {
    const parsed = SystemMessageSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const chat = state.userChats.get(req.params.id);
    if (!chat) return reply.code(404).send({ message: 'no such chat in the fake', code: 'not_found' });
    return { ok: true, ...(await deliverSystemMessage(state, chat, parsed.data)) };
  });
  registerDesk(app, state, FAKE_MANAGER_ID, (chatId, action) => {
    const chat = state.userChats.get(chatId);
    return chat ? deliverSystemMessage(state, chat, { kind: 'log', action, values: [FAKE_MANAGER_ID] }).then((r) => r.deliveries) : Promise.resolve([]);
  });
  registerChatTags(app, state, FAKE_MANAGER_ID);
}

async function deliverSystemMessage(state: FakeState, chat: FakeUserChat, m: SystemMessage): Promise<{ messageId: string; deliveries: unknown }> {
  const id = `sm${randomBytes(9).toString('hex')}`;
  const entity = { id, channelId: chat.channelId, chatType: 'userChat', chatId: chat.id, personType: 'user', personId: chat.userId, createdAt: Date.now(), ...contentOf(m) };
  const deliveries = await state.webhooks.deliver(chat.channelId, 'message.created.userChat', id, { event: 'push', type: 'message', entity, refers: refersOf(state, chat) });
  return { messageId: id, deliveries };
}

function contentOf(m: SystemMessage): Record<string, unknown> {
  switch (m.kind) {
    case 'log':
      return { log: { action: m.action, ...(m.values ? { values: m.values } : {}), triggerType: 'manager', triggerId: FAKE_MANAGER_ID } };
    case 'sticker':
      return { sticker: { id: 'sticker-fake-1', name: 'hello' }, plainText: '(스티커)', blocks: [{ type: 'text', value: '(스티커)' }] };
    case 'meet':
      return { meet: { id: `meet${randomBytes(6).toString('hex')}`, mode: 'phone', state: 'ended', direction: 'inbound' } };
    case 'buttonClick':
      return { plainText: withLabel(m.emoji, m.label), blocks: [{ type: 'text', value: withLabel(m.shortcode, m.label) }] };
  }
}

const withLabel = (mark: string, label: string | undefined) => (label === undefined ? mark : `${mark} ${label}`);

/** The echo of a message we sent, as Channel Talk delivers it back; not awaited by the send (it never fails the send). */
export function echoOwnMessage(state: FakeState, m: RecordedMessage): void {
  if (!state.webhooks.config.echoOwnMessages) return;
  const options = Array.isArray(m.body.options) ? m.body.options : [];
  const asManager = options.includes('actAsManager');
  const entity = { ...toApiMessage(m), ...(asManager ? { personType: 'manager', personId: FAKE_MANAGER_ID } : {}) };
  const chat = state.userChats.get(m.chatId);
  const payload = { event: 'push', type: 'message', entity, refers: chat && chat.channelId === m.channelId ? refersOf(state, chat) : {} };
  // Never dropped on purpose: the echoes' timing would otherwise shift a seeded test's drops of the deliveries it plays.
  state.webhooks.deliver(m.channelId, 'message.created.userChat', m.id, payload, { drop: false }).catch(() => undefined);
}

function refersOf(state: FakeState, chat: FakeUserChat): Record<string, unknown> {
  const user = state.users.get(chat.userId);
  return {
    userChat: { id: chat.id, channelId: chat.channelId, userId: chat.userId, state: chat.state, tags: chat.tags },
    ...(user ? { user: userView(user, chat.channelId) } : {}),
  };
}

function bad(reply: FastifyReply, error: z.ZodError): undefined {
  reply.code(400).send({ message: z.prettifyError(error), code: 'bad_request' });
  return undefined;
}
