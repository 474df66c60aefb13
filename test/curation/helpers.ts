// Shared by the curation tests: the shipped pack, profile fixtures and events.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChatOpenedEvent, Event, UserMessageEvent } from '../../src/channeltalk/event.js';
import { loadCurations, type Curation, type CurationSet } from '../../src/curation/index.js';
import type { CliIO } from '../../src/cli/io.js';

export const ROOT = process.cwd();
export const PACK_DIR = path.resolve(ROOT, 'curations');

let pack: Promise<CurationSet> | null = null;

/** The shipped curations, loaded once per test file. */
export function loadPack(): Promise<CurationSet> {
  pack ??= loadCurations(PACK_DIR).then((r) => {
    if (!r.ok) throw new Error(`the shipped pack does not load:\n${r.errors.map((e) => `${e.file}:${e.line} ${e.path}: ${e.message}`).join('\n')}`);
    return r.set;
  });
  return pack;
}

export async function packCuration(id: string): Promise<Curation> {
  const c = (await loadPack()).byId(id);
  if (!c) throw new Error(`no curation ${id} in the pack`);
  return c;
}

export function profileFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.resolve(ROOT, 'test/fixtures/profiles', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

const base = {
  channelId: '95334',
  userId: 'user-1',
  profile: null,
  language: 'ko',
  occurredAt: 1_795_470_390_040,
};

export function chatOpened(over: Partial<ChatOpenedEvent> = {}): ChatOpenedEvent {
  return { ...base, dedupeKey: 'chatOpened:chat-1', chatId: 'chat-1', chatTags: ['식단큐레이션받기'], supportBotId: '43684', ...over, kind: 'chatOpened' };
}

export function userMessage(text: string, over: Partial<UserMessageEvent> = {}): UserMessageEvent {
  return { ...base, dedupeKey: 'userMessage:m1', chatId: 'chat-1', messageId: 'm1', chatTags: ['식단큐레이션받기'], supportBotId: '43684', text, ...over, kind: 'userMessage' };
}

export function otherEvent(kind: 'managerMessage' | 'botMessage'): Event {
  return { ...base, dedupeKey: `${kind}:m2`, chatId: 'chat-1', messageId: 'm2', personId: 'p', chatTags: ['식단큐레이션받기'], supportBotId: '43684', kind };
}

/** A directory with the given files, for broken-curation tests. */
export async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'curation-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text, 'utf8');
  return dir;
}

export function captureIO(env: Record<string, string | undefined> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: ROOT, out, err };
}

/** A minimal valid curation file, to be varied by a test. */
export function minimalCuration(over: string, id = 'mini'): string {
  const trigger = /^trigger:/m.test(over) ? '' : 'trigger: { on: chatOpened }\n';
  return `id: ${id}\ndefaultLanguage: ko\n${trigger}${over}`;
}
