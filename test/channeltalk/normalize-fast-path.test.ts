// The fast path of the delivery shapes (delivery-shapes.ts: a plain part is
// taken as it is instead of being copied by zod) must give exactly what zod
// gives: the same Event for every delivery and the same error for every bad
// one. Every fixture, and every fixture with each of its fields (and each
// field normalize reads that it lacks) replaced by values of every kind, is
// normalized with the fast path and with zod alone, and the two compared.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { normalize } from '../../src/channeltalk/normalize.js';
import { useFastPath, messagePart, refersPart, userChatPart, userEntityPart, parsePart, type Part } from '../../src/channeltalk/delivery-shapes.js';
import { ROOT, webhook } from '../support/fixtures.js';

const FIXTURES = readdirSync(path.join(ROOT, 'test/fixtures/webhooks'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));

/** Values of every kind a field may hold in a delivery, good and bad. */
const PALETTE: unknown[] = [
  undefined, // the field removed
  null,
  '',
  'abc',
  'msg1a20a5ff319000009',
  'bad id!',
  'x'.repeat(65),
  'a/b',
  0,
  12,
  1.5,
  -3,
  true,
  [],
  ['a'],
  [1, 'b'],
  [{ type: 'text', value: 'v' }],
  [{ bindingKey: 'user.profile.weight' }],
  [{ bindingKey: 5 }],
  {},
  { id: '43684' },
  { id: 7 },
  { id: null },
  { submittedAt: 1795470390041, inputs: [{ bindingKey: 'user.profile.weight' }] },
  { action: 'addTags', values: ['t'] },
  Object.create(null) as object,
];

/** Fields normalize reads that a fixture may lack: set on every fixture too. */
const EXTRA_PATHS = [
  'event',
  'type',
  'refers',
  'entity.id',
  'entity.chatId',
  'entity.channelId',
  'entity.personType',
  'entity.personId',
  'entity.chatType',
  'entity.plainText',
  'entity.blocks',
  'entity.language',
  'entity.createdAt',
  'entity.supportBot',
  'entity.supportBot.id',
  'entity.form',
  'entity.form.submittedAt',
  'entity.form.inputs',
  'entity.requestId',
  'entity.log',
  'entity.log.action',
  'entity.log.values',
  'entity.log.triggerType',
  'entity.log.triggerId',
  'entity.state',
  'entity.assigneeId',
  'entity.tags',
  'entity.userId',
  'entity.source',
  'entity.source.workflow',
  'entity.source.workflow.id',
  'entity.source.workflow.sectionPath',
  'entity.profile',
  'entity.name',
  'entity.updatedAt',
  'entity.version',
  'refers.user',
  'refers.user.id',
  'refers.user.name',
  'refers.user.language',
  'refers.user.profile',
  'refers.userChat',
  'refers.userChat.id',
  'refers.userChat.userId',
  'refers.userChat.channelId',
  'refers.userChat.state',
  'refers.userChat.assigneeId',
  'refers.userChat.tags',
  'refers.userChat.supportBot',
  'refers.userChat.supportBot.id',
  'refers.userChat.source',
  'refers.userChat.source.supportBot',
  'refers.userChat.source.supportBot.id',
  'refers.userChat.source.workflow',
  'refers.userChat.source.workflow.id',
  'refers.userChat.source.workflow.sectionPath',
];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Values no shape looks into (zod keeps them as they are): replaced whole, not field by field. */
const OPAQUE = new Set(['profile', 'web']);

/** Every path in `v` (objects and arrays), depth first, up to `depth` levels. */
function pathsOf(v: unknown, prefix: string[] = [], depth = 6): string[][] {
  if (depth === 0 || v === null || typeof v !== 'object') return [];
  const out: string[][] = [];
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, k];
    out.push(p, ...(OPAQUE.has(k) ? [] : pathsOf(child, p, depth - 1)));
  }
  return out;
}

/** A deep copy of `body` with `value` at `at` (removed when undefined); intermediate objects made where missing. */
function withValue(body: Json, at: string[], value: unknown): Json {
  const copy = structuredClone(body);
  let o: Json = copy;
  for (const key of at.slice(0, -1)) {
    const next = o[key];
    if (isObject(next) || Array.isArray(next)) o = next as Json;
    else o = o[key] = {};
  }
  const last = at[at.length - 1]!;
  if (value === undefined) delete o[last];
  // A fresh copy each time: a test must not share one object between two bodies.
  else o[last] = isObject(value) && Object.getPrototypeOf(value) === null ? Object.create(null) : structuredClone(value);
  return copy;
}

/** What normalize says about `body`: the Event, or the error's class and message. */
function outcome(body: unknown): unknown {
  try {
    return { event: normalize(body) };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

function bothWays(body: unknown): { fast: unknown; zod: unknown } {
  const fast = outcome(body);
  useFastPath(false);
  try {
    return { fast, zod: outcome(body) };
  } finally {
    useFastPath(true);
  }
}

function variantsOf(name: string): Array<{ label: string; body: unknown }> {
  const body = webhook(name);
  const paths = [...pathsOf(body), ...EXTRA_PATHS.map((p) => p.split('.'))];
  const out: Array<{ label: string; body: unknown }> = [{ label: name, body }];
  for (const at of paths) {
    PALETTE.forEach((value, i) => out.push({ label: `${name} ${at.join('.')} = palette[${i}]`, body: withValue(body, at, value) }));
  }
  return out;
}

describe('normalize: the fast path gives exactly what zod gives', () => {
  test('the fixtures are all here', () => {
    assert.ok(FIXTURES.length >= 30, `found ${FIXTURES.length} fixtures`);
  });

  for (const name of FIXTURES) {
    test(`${name}: every field replaced by every kind of value`, () => {
      let compared = 0;
      for (const { label, body } of variantsOf(name)) {
        const { fast, zod } = bothWays(body);
        assert.deepStrictEqual(fast, zod, label);
        compared++;
      }
      assert.ok(compared > PALETTE.length, `${name}: only ${compared} variants`);
    });
  }

  test('bodies that are not an envelope get the same error both ways', () => {
    const bodies: unknown[] = [null, 5, 'x', [], {}, { entity: [] }, { entity: 'x' }, { type: 'message' }, { type: 5, entity: {} }, { event: [], entity: {} }, { entity: {} }, { type: 'message', entity: null }, { type: 'message', entity: Object.create(null) as object }];
    for (const body of bodies) {
      const { fast, zod } = bothWays(body);
      assert.deepStrictEqual(fast, zod, JSON.stringify(body));
      assert.ok('error' in (fast as object) || body !== null, 'a body that is not an object is refused');
    }
  });

  test('a part taken as it is by the fast path is what zod would have made of it', () => {
    const parts: Array<[Part<object>, string]> = [
      [messagePart, 'entity'],
      [userChatPart, 'entity'],
      [userEntityPart, 'entity'],
      [refersPart, 'refers'],
    ];
    let plain = 0;
    for (const name of FIXTURES) {
      for (const { label, body } of variantsOf(name)) {
        if (!isObject(body)) continue;
        for (const [part, where] of parts) {
          const value: unknown = body[where];
          const fast: unknown = parsePart(part, value, where);
          useFastPath(false);
          const zod: unknown = parsePart(part, value, where);
          useFastPath(true);
          assert.deepStrictEqual(fast, zod, `${label} as ${where}`);
          if (part.plain(isObject(value) ? value : {})) plain++;
        }
      }
    }
    // The fast path is taken for most deliveries (else it would buy nothing).
    assert.ok(plain > 1000, `only ${plain} plain parts`);
  });
});
