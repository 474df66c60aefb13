// `curation send-webhook FILE`: posts a delivery the way Channel Talk would, for
// trying the service locally. `--fresh` gives the chat and message new ids so
// de-duplication does not swallow a repeat; `--chat-id` targets a given chat.
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
    },
  });
  if (positionals.length === 0) {
    io.stderr(usage('send-webhook'));
    return 2;
  }
  const env = envWithDotenv(io.env, io.cwd);
  const to = values.to ?? `http://localhost:${env.PORT ?? '3000'}/webhooks/channeltalk`;
  const token = values.token ?? env.CHANNELTALK_WEBHOOK_TOKEN?.split(',')[0]?.trim();
  let failed = 0;
  for (const file of positionals) {
    const text = await readFile(path.resolve(io.cwd, file), 'utf8');
    const body = rewriteIds(JSON.parse(text) as Record<string, unknown>, values.fresh ? randomId() : undefined, values['chat-id']);
    const url = new URL(to);
    if (token) url.searchParams.set('token', token);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await res.text();
    io.stdout(`${file} -> ${res.status} ${answer}`);
    if (!res.ok) failed++;
  }
  return failed === 0 ? 0 : 1;
};

function randomId(): string {
  return randomBytes(10).toString('hex');
}

/** Replaces the chat id everywhere it appears (and gives messages new ids), so a sample can be sent again. */
function rewriteIds(body: Record<string, unknown>, fresh: string | undefined, chatId: string | undefined): unknown {
  const entity = (body.entity ?? {}) as Record<string, unknown>;
  const isMessage = typeof entity.chatId === 'string';
  const oldChat = String(isMessage ? entity.chatId : entity.id ?? '');
  const newChat = chatId ?? fresh;
  let text = JSON.stringify(body);
  if (newChat && oldChat) text = text.split(oldChat).join(newChat);
  if ((fresh || chatId) && isMessage && typeof entity.id === 'string') text = text.split(entity.id).join(`msg${randomId()}`);
  return JSON.parse(text);
}
