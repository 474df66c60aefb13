// Whole sequences for the end-to-end delivery tests: a chat-opened delivery
// for a new chat and customer, the request ids its plan will send, and the
// check that the fake Channel Talk got each of them once, in order.
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadCurations, plan, type CurationSet } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import { ROOT, webhookForChat } from './fixtures.js';
import { eventually, type FakeProc, type FakeReceived, type ServiceProc } from './processes.js';

export interface Sequence {
  chatId: string;
  body: Record<string, unknown>;
  requestIds: string[];
}

let shipped: CurationSet | null = null;

/** The shipped curations (loaded once), which the services of the e2e tests run. */
export async function shippedCurations(): Promise<CurationSet> {
  if (shipped) return shipped;
  const loaded = await loadCurations(path.join(ROOT, 'curations'));
  assert.ok(loaded.ok);
  shipped = loaded.set;
  return shipped;
}

/** A chat-opened delivery for a new chat and a new customer, with the request ids its plan will send. */
export function sequence(curations: CurationSet, tag: string, i: number): Sequence {
  const chatId = `${tag}-chat-${i}`;
  const body = JSON.parse(JSON.stringify(webhookForChat('user-chat-opened', chatId)).split('5f0e1d2c3b4a59687706').join(`${tag}-user-${i}`)) as Record<string, unknown>;
  const event = normalize(body);
  const curation = curations.byId('diet-main')!;
  const p = plan(curation, event, event.profile, { runId: runIdFor('diet-main', storedDedupeKey(event)), now: 0 });
  assert.equal(p.outcome, 'sequence');
  return { chatId, body, requestIds: p.messages.map((m) => m.body.requestId!) };
}

export function byChat(r: FakeReceived): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of r.messages) out.set(m.chatId, [...(out.get(m.chatId) ?? []), m.requestId ?? '']);
  return out;
}

export async function allArrived(fake: FakeProc, seqs: Sequence[], timeoutMs: number): Promise<FakeReceived> {
  const total = seqs.reduce((n, s) => n + s.requestIds.length, 0);
  return eventually(async () => {
    const r = await fake.received();
    const wanted = new Set(seqs.map((s) => s.chatId));
    return r.messages.filter((m) => wanted.has(m.chatId)).length >= total ? r : undefined;
  }, timeoutMs, `${total} messages`);
}

export function assertExactlyOnceInOrder(r: FakeReceived, seqs: Sequence[]): void {
  const got = byChat(r);
  for (const s of seqs) assert.deepEqual(got.get(s.chatId), s.requestIds, `chat ${s.chatId}: every message once, in order`);
  assert.deepEqual(r.rejected.filter((x) => x.status === 422), [], 'no body was refused');
}

export async function postAll(services: ServiceProc[], seqs: Sequence[]): Promise<void> {
  await Promise.all(
    seqs.map(async (s, i) => {
      const res = await services[i % services.length]!.postWebhook(s.body);
      assert.equal(res.status, 200);
    }),
  );
}
