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
