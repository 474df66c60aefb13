// `curation send-webhook FILE`: posts a delivery the way Channel Talk would, for
// trying the service locally. `--fresh` sends it as a new chat of a new
// customer (new chat, customer and message ids), so de-duplication, once per
// chat and the customer's cooldown do not swallow a repeat and a new sequence
// starts; `--chat-id` and `--user-id` target a given chat and customer.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envWithDotenv } from '../config.js';
import type { Command } from './io.js';
import { usage } from './usage.js';

export const sendWebhookCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      token: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      'chat-id': { type: 'string' },
      'user-id': { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    io.stderr(usage('send-webhook'));
    return 2;
  }
  const env = envWithDotenv(io.env, io.cwd);
  const to = values.to ?? `http://localhost:${env.PORT ?? '3000'}/webhooks/channeltalk`;
  const token = values.token ?? env.CHANNELTALK_WEBHOOK_TOKEN?.split(',')[0]?.trim();
  // One fresh chat and customer for all the files of this call, so a chat-opened and a keyword sample stay in one chat.
  const ids: NewIds = {
    chat: values['chat-id'] ?? (values.fresh ? `chat${randomId()}` : undefined),
    user: values['user-id'] ?? (values.fresh ? `user${randomId()}` : undefined),
  };
  let failed = 0;
  for (const file of positionals) {
    const text = await readFile(path.resolve(io.cwd, file), 'utf8');
    const { body, chat, user } = rewriteIds(JSON.parse(text) as Record<string, unknown>, ids);
    const url = new URL(to);
    if (token) url.searchParams.set('token', token);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await res.text();
    const as = ids.chat !== undefined || ids.user !== undefined ? ` (as chat ${chat ?? '?'}, customer ${user ?? '?'})` : '';
    io.stdout(`${file}${as} -> ${res.status} ${answer}`);
    if (!res.ok) failed++;
  }
  return failed === 0 ? 0 : 1;
};

interface NewIds {
  chat: string | undefined;
  user: string | undefined;
}

function randomId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Replaces the chat id and the customer's id everywhere they appear (and
 * gives messages new ids), so a sample can be sent again as a new chat of a
 * new customer: a new chat alone would still meet the customer's cooldown.
 */
function rewriteIds(body: Record<string, unknown>, ids: NewIds): { body: unknown; chat: string | undefined; user: string | undefined } {
  const entity = (body.entity ?? {}) as Record<string, unknown>;
  const refers = (body.refers ?? {}) as { user?: { id?: unknown } };
  const isMessage = typeof entity.chatId === 'string';
  const oldChat = isMessage ? (entity.chatId as string) : typeof entity.id === 'string' ? entity.id : undefined;
  const oldUser = typeof entity.userId === 'string' ? entity.userId : typeof refers.user?.id === 'string' ? refers.user.id : entity.personType === 'user' && typeof entity.personId === 'string' ? entity.personId : undefined;
  let text = JSON.stringify(body);
  const replace = (from: string | undefined, to: string | undefined) => {
    if (from && to) text = text.split(from).join(to);
  };
  replace(oldChat, ids.chat);
  replace(oldUser, ids.user);
  if ((ids.chat || ids.user) && isMessage && typeof entity.id === 'string') replace(entity.id, `msg${randomId()}`);
  return { body: JSON.parse(text), chat: ids.chat ?? oldChat, user: ids.user ?? oldUser };
}
