// Control API for what customers do in the fake: open a chat, write in it,
// submit a form. Each is announced to the registered webhooks as Channel
// Talk would, and can be dropped on purpose to play an outage.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { markSubmitted, submissionProblems } from './form-submission.js';
import { WEBHOOK_SCOPES } from './spec.js';
import type { FakeState } from './state.js';
import { registerSystemMessages } from './system-messages.js';
import { chatOpenedDelivery, userView, type FakeUserChat } from './user-chats.js';

const OpenChatSchema = z.object({
  channelId: z.string().min(1),
  chatId: z.string().regex(/^[A-Za-z0-9]{1,64}$/).optional(),
  userId: z.string().min(1),
  tags: z.array(z.string()).max(8).optional(),
  source: z.record(z.string(), z.unknown()).optional(),
  openedAt: z.number().int().positive().optional(),
  /** When someone last wrote in it; default its opening. A chat opened long ago but active now lists first. */
  lastActivityAt: z.number().int().positive().optional(),
  /** false: the delivery's refers lacks the user (the service must fetch it). */
  withUser: z.boolean().optional(),
  /** 'drop' leaves the delivery on the floor, 'none' sends none; default: the configured drop ratio decides. */
  delivery: z.enum(['auto', 'drop', 'none']).optional(),
});

const UserMessageSchema = z.object({ text: z.string().min(1), delivery: z.enum(['auto', 'drop', 'none']).optional() });

const SubmitSchema = z.object({
  /** `user.profile.KEY` binding keys and the values the customer entered. */
  values: z.record(z.string().regex(/^user\.profile\..+/), z.unknown()),
  /** The form's message: when named, only its inputs and the options they offer may be submitted, and the message is updated. */
  messageId: z.string().min(1).optional(),
  /**
   * What Channel Talk delivers: nothing (the default, as the record shows; `none` says so explicitly).
   * `upsert` is the kinder opt-in: a member.upserted.contact delivery, as if the form had changed a contact field.
   */
  delivery: z.enum(['none', 'upsert']).optional(),
});

// A webhook made in the desk (Settings > Webhook): the operator copies its
// token into the service's configuration, so a test may fix it in advance.
const DeskWebhookSchema = z.object({
  channelId: z.string().min(1),
  name: z.string().min(1).default('curation'),
  url: z.url(),
  scopes: z.array(z.enum(WEBHOOK_SCOPES)).min(1),
  token: z.string().min(8).optional(),
});

const ChatListConfigSchema = z.object({ order: z.enum(['lastActivity', 'openedAt']) }).strict();

const DeliveryConfigSchema = z.object({
  dropRatio: z.number().min(0).max(1).optional(),
  blockAfter: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  /** false: our own messages are not delivered back (the kinder fake of before). */
  echoOwnMessages: z.boolean().optional(),
  /** true: PATCH {blocked: false} unblocks (the kinder fake of before). */
  apiUnblock: z.boolean().optional(),
  /** true: POST /webhooks answers 500. */
  createFails: z.boolean().optional(),
});

export function registerChatControl(app: FastifyInstance, state: FakeState): void {
  app.post('/user-chats', async (req, reply) => {
    const parsed = OpenChatSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const o = parsed.data;
    const now = o.openedAt ?? Date.now();
    const chat: FakeUserChat = {
      id: o.chatId ?? randomBytes(10).toString('hex'),
      channelId: o.channelId,
      userId: o.userId,
      state: 'opened',
      tags: o.tags ?? [],
      ...(o.source ? { source: o.source } : {}),
      openedAt: now,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: o.lastActivityAt ?? now,
    };
    state.userChats.set(chat.id, chat);
    const user = o.withUser === false ? undefined : state.users.get(o.userId);
    const deliveries = o.delivery === 'none' ? [] : await state.webhooks.deliver(chat.channelId, 'userChat.opened', chat.id, chatOpenedDelivery(chat, user), dropOf(o.delivery));
    return { ok: true, userChat: chat, deliveries };
  });

  app.post<{ Params: { id: string } }>('/user-chats/:id/messages', async (req, reply) => {
    const parsed = UserMessageSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const chat = state.userChats.get(req.params.id);
    if (!chat) return reply.code(404).send({ message: 'no such chat in the fake', code: 'not_found' });
    const id = `um${randomBytes(9).toString('hex')}`;
    chat.lastActivityAt = Date.now();
    const user = state.users.get(chat.userId);
    const payload = {
      event: 'push',
      type: 'message',
      entity: {
        id,
        channelId: chat.channelId,
        chatType: 'userChat',
        chatId: chat.id,
        personType: 'user',
        personId: chat.userId,
        plainText: parsed.data.text,
        blocks: [{ type: 'text', value: parsed.data.text }],
        createdAt: Date.now(),
      },
      refers: { userChat: { id: chat.id, channelId: chat.channelId, userId: chat.userId, state: chat.state, tags: chat.tags }, ...(user ? { user: userView(user, chat.channelId) } : {}) },
    };
    const deliveries = parsed.data.delivery === 'none' ? [] : await state.webhooks.deliver(chat.channelId, 'message.created.userChat', id, payload, dropOf(parsed.data.delivery));
    return { ok: true, messageId: id, deliveries };
  });

  // A form's answers are written into the profile by Channel Talk itself (the
  // inputs' bindingKeys), and the form's message is updated in place (version
  // up, submittedAt and the values set). No webhook scope delivers either, and
  // the contact upsert fires only for contact fields: by default nothing is
  // delivered, and the service must read the profile to learn of the answer.
  app.post<{ Params: { id: string } }>('/users/:id/form-submission', async (req, reply) => {
    const parsed = SubmitSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const user = state.users.get(req.params.id);
    if (!user) return reply.code(404).send({ message: 'no such user in the fake', code: 'not_found' });
    const problems = parsed.data.messageId === undefined ? [] : submissionProblems(state, user.id, parsed.data.messageId, parsed.data.values);
    if (problems.length > 0) return reply.code(400).send({ message: problems.join('; '), code: 'bad_request' });
    const channelId = [...state.userChats.values()].find((c) => c.userId === user.id)?.channelId;
    if (channelId === undefined) return reply.code(409).send({ message: 'the user has no chat in the fake', code: 'conflict' });
    for (const [key, value] of Object.entries(parsed.data.values)) user.profile[key.slice('user.profile.'.length)] = value;
    if (parsed.data.messageId !== undefined) markSubmitted(state, parsed.data.messageId, parsed.data.values, Date.now());
    const payload = { event: 'upsert', type: 'user', entity: userView(user, channelId), refers: {} };
    const deliveries = parsed.data.delivery === 'upsert' ? await state.webhooks.deliver(channelId, 'member.upserted.contact', user.id, payload, {}) : [];
    return { ok: true, deliveries };
  });

  app.post('/webhooks', (req, reply) => {
    const parsed = DeskWebhookSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { channelId, token, ...body } = parsed.data;
    const w = state.webhooks.create(channelId, { ...body, apiVersion: 'v5' }, Date.now());
    if (token !== undefined) w.token = token;
    return { ok: true, webhook: w };
  });

  // The list's order: by last activity (default, as the record suggests) or by openedAt (opt-in, the kinder order).
  app.post('/user-chats/config', (req, reply) => {
    const parsed = ChatListConfigSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    state.chatListOrder = parsed.data.order;
    return { ok: true, order: state.chatListOrder };
  });

  app.post('/webhooks/config', (req, reply) => {
    const parsed = DeliveryConfigSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    state.webhooks.configure(parsed.data);
    return { ok: true, config: state.webhooks.config };
  });

  app.post<{ Params: { id: string } }>('/webhooks/:id/block', (req, reply) => {
    const w = state.webhooks.byId.get(req.params.id);
    if (!w) return reply.code(404).send({ message: 'no such webhook', code: 'not_found' });
    state.webhooks.block(w, Date.now());
    return { ok: true };
  });

  // The desk's unblock (Settings > Webhook), which works whatever the API does.
  app.post<{ Params: { id: string } }>('/webhooks/:id/unblock', (req, reply) => {
    const w = state.webhooks.byId.get(req.params.id);
    if (!w) return reply.code(404).send({ message: 'no such webhook', code: 'not_found' });
    state.webhooks.unblock(w);
    return { ok: true };
  });

  app.get('/webhooks', () => ({ webhooks: [...state.webhooks.byId.values()] }));

  registerSystemMessages(app, state);
}

function dropOf(d: 'auto' | 'drop' | 'none' | undefined): { drop?: boolean } {
  return d === 'drop' ? { drop: true } : {};
}

function bad(reply: FastifyReply, error: z.ZodError): undefined {
  reply.code(400).send({ message: z.prettifyError(error), code: 'bad_request' });
  return undefined;
}
