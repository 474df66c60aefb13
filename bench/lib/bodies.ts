// Request bodies for the loads, from the project's own fixtures: compact JSON
// (as Channel Talk sends it) with the ids replaced by the ID placeholder, so
// every request is a new delivery (a repeat would be a cheap duplicate).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../src/curation/index.js';
import { ID } from './load-spec.js';
import { ROOT } from './procs.js';

export function fixtureText(name: string): string {
  return JSON.stringify(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/webhooks', `${name}.json`), 'utf8')));
}

function withIds(text: string, ids: string[]): string {
  let out = text;
  for (const id of ids) {
    if (!out.includes(id)) throw new Error(`fixture no longer contains ${id}`);
    out = out.split(id).join(ID);
  }
  return out;
}

/** A chat opened from the diet survey bot with the diet tag: acted on, starts diet-main (12 planned messages). New chat, user and message per request. */
export function chatOpenedTemplate(): string {
  return withIds(fixtureText('user-chat-opened'), ['6a1b2c3d4e5f60718293', '5f0e1d2c3b4a59687706', 'msg1a20a5ff318000001']);
}

/** Our own bot's message in a chat: recorded, starts nothing. New message (and chat) per request. */
export function botMessageTemplate(): string {
  return withIds(fixtureText('bot-message'), ['msg1a20a5ff319000009', '6a1b2c3d4e5f60718293', '5f0e1d2c3b4a59687706']);
}

/** One concrete delivery from a template, for sanity checks before a load. */
export function concrete(template: string, id: string): string {
  return template.split(ID).join(id);
}

/** The exact v5 message bodies a plan sends, with the requestId replaced by the ID placeholder. */
export function messageBodies(p: Plan): string[] {
  return p.messages.map((m) => JSON.stringify({ ...m.body, requestId: ID }));
}
