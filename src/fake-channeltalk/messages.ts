// Message representations and paging of the fake's GET messages, shaped like
// the v5 API's answers.
import type { RecordedMessage } from './state.js';

export interface ApiMessage {
  id: string;
  chatId: string;
  chatType: 'userChat';
  channelId: string;
  personType: 'bot';
  personId: string;
  blocks?: unknown;
  buttons?: unknown;
  options?: unknown;
  files?: unknown;
  webPage?: unknown;
  form?: unknown;
  plainText?: string;
  requestId?: string;
  createdAt: number;
}

export function botOf(botName: string | null): { id: string; name: string } {
  const name = botName ?? 'Default bot';
  // An id like Channel Talk's: letters, digits, _ and - only (a bot's name may hold spaces, an id never does).
  return { id: `fake-bot-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64), name };
}

export function toApiMessage(m: RecordedMessage): ApiMessage {
  const body = m.body;
  const plain = typeof body.plainText === 'string' ? body.plainText : plainTextOf(body.blocks);
  return {
    id: m.id,
    chatId: m.chatId,
    chatType: 'userChat',
    channelId: m.channelId,
    personType: 'bot',
    personId: botOf(m.botName).id,
    ...(body.blocks !== undefined ? { blocks: body.blocks } : {}),
    ...(body.buttons !== undefined ? { buttons: body.buttons } : {}),
    ...(body.options !== undefined ? { options: body.options } : {}),
    ...(body.files !== undefined ? { files: body.files } : {}),
    ...(body.webPage !== undefined ? { webPage: body.webPage } : {}),
    ...(body.form !== undefined ? { form: body.form } : {}),
    ...(plain !== undefined ? { plainText: plain } : {}),
    ...(m.requestId !== null ? { requestId: m.requestId } : {}),
    createdAt: m.createdAt,
  };
}

function plainTextOf(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const lines: string[] = [];
  for (const b of blocks as Array<Record<string, unknown>>) {
    if (typeof b.value === 'string') lines.push(stripTags(b.value));
    if (Array.isArray(b.blocks)) {
      for (const inner of b.blocks as Array<Record<string, unknown>>) {
        if (typeof inner.value === 'string') lines.push(`• ${stripTags(inner.value)}`);
      }
    }
  }
  return lines.join('\n');
}

function stripTags(s: string): string {
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export interface Page {
  messages: RecordedMessage[];
  prev?: string;
  next?: string;
}

/**
 * Cursors are the arrival sequence number as a string: `desc` lists older than
 * `since`, `asc` newer than it, `both` around it.
 */
export function pageMessages(all: RecordedMessage[], sortOrder: 'asc' | 'desc' | 'both', limit: number, since: number | null): Page {
  const asc = [...all].sort((a, b) => a.seq - b.seq);
  if (sortOrder === 'desc') {
    const older = asc.filter((m) => since === null || m.seq < since).reverse();
    const page = older.slice(0, limit);
    const last = page[page.length - 1];
    const first = page[0];
    return {
      messages: page,
      ...(older.length > limit && last ? { next: String(last.seq) } : {}),
      ...(since !== null && first ? { prev: String(first.seq) } : {}),
    };
  }
  if (sortOrder === 'asc') {
    const newer = asc.filter((m) => since === null || m.seq > since);
    const page = newer.slice(0, limit);
    const last = page[page.length - 1];
    const first = page[0];
    return {
      messages: page,
      ...(newer.length > limit && last ? { next: String(last.seq) } : {}),
      ...(since !== null && first ? { prev: String(first.seq) } : {}),
    };
  }
  const pivot = since ?? Number.POSITIVE_INFINITY;
  const before = asc.filter((m) => m.seq < pivot);
  const after = asc.filter((m) => m.seq >= pivot);
  const takeBefore = before.slice(Math.max(0, before.length - Math.ceil(limit / 2)));
  const takeAfter = after.slice(0, limit - takeBefore.length);
  const page = [...takeBefore, ...takeAfter];
  const first = page[0];
  const last = page[page.length - 1];
  return {
    messages: page,
    ...(before.length > takeBefore.length && first ? { prev: String(first.seq) } : {}),
    ...(after.length > takeAfter.length && last ? { next: String(last.seq) } : {}),
  };
}
