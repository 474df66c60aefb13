import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = process.cwd();

export function webhook(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/webhooks', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** A deep copy of a fixture with every occurrence of its chat id (and message id) replaced, for a new chat. */
export function webhookForChat(name: string, chatId: string, messageId?: string): Record<string, unknown> {
  const body = webhook(name);
  const entity = body.entity as Record<string, unknown>;
  const oldChat = String(typeof entity.chatId === 'string' ? entity.chatId : entity.id);
  let text = JSON.stringify(body).split(oldChat).join(chatId);
  if (messageId && typeof entity.chatId === 'string') text = text.split(String(entity.id)).join(messageId);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * A fixture delivery for another chat, customer and channel: its chat id (or,
 * for a user's delivery, its user id), its message id and its channel id
 * replaced everywhere, as another shop's delivery of the same shape.
 */
export function webhookIn(name: string, ids: { chatId: string; channelId: string; userId: string; messageId?: string }): Record<string, unknown> {
  const body = webhookForChat(name, ids.chatId, ids.messageId);
  let text = JSON.stringify(body).split('"95334"').join(`"${ids.channelId}"`);
  for (const user of ['5f0e1d2c3b4a59687706', '5f0e1d2c3b4a59687712', '5f0e1d2c3b4a59687724']) text = text.split(user).join(ids.userId);
  return JSON.parse(text) as Record<string, unknown>;
}
