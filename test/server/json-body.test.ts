// The webhook's JSON body: JSON.parse alone only where Fastify's parser
// (secure-json-parse, poisoning refused) would give the same; every other
// text left to that parser. Compared text by text with Fastify's own parser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyRequest } from 'fastify';
import { parsePlainJson } from '../../src/server/json-body.js';
import { ROOT } from '../support/fixtures.js';

const fastifyParser = Fastify().getDefaultJsonParser('error', 'error');

/** What Fastify's parser says: the value, or the error's code and message. */
function byFastify(text: string): unknown {
  let out: unknown;
  void fastifyParser({} as FastifyRequest, text, (err: Error | null, value: unknown) => {
    out = err ? { error: `${(err as { code?: string }).code ?? ''} ${err.message}` } : { value };
  });
  return out;
}

const FIXTURE_TEXTS = readdirSync(path.join(ROOT, 'test/fixtures/webhooks'))
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const text = readFileSync(path.join(ROOT, 'test/fixtures/webhooks', f), 'utf8');
    return [text, JSON.stringify(JSON.parse(text))];
  });

/** Texts the parser must refuse or treat specially: each must be left to Fastify's parser. */
const LEFT_TO_FASTIFY = [
  '',
  '\uFEFF{"event":"push","type":"message","entity":{}}',
  '{"entity":{"__proto__":{"polluted":1}}}',
  '{"entity":{"\\u005f_proto__":{"polluted":1}}}',
  '{"entity":{"__pro\\u0074o__":{"polluted":1}}}',
  '{"entity":{"constructor":{"prototype":{"polluted":1}}}}',
  '{"entity":{"\\u0063onstructor":{"prototype":{"polluted":1}}}}',
  '{"entity":{"constructor":{"name":"not a prototype"}}}',
  '{"entity":{"text":"a word: __proto__"}}',
  '{"entity":{"plainText":"\\uD55C\\uAE00"}}',
  '{"event":',
  'hello',
  '{"a":1}}',
];

describe('the webhook JSON body', () => {
  test('a plain delivery is parsed as Fastify parses it', () => {
    for (const text of FIXTURE_TEXTS) {
      const plain = parsePlainJson(text);
      assert.ok(plain !== null, `left to Fastify: ${text.slice(0, 60)}`);
      assert.deepStrictEqual({ value: plain.value }, byFastify(text));
    }
  });

  test('poisoned, escaped, marked, empty and broken texts are left to Fastify, which refuses or parses them as before', () => {
    for (const text of LEFT_TO_FASTIFY) assert.equal(parsePlainJson(text), null, JSON.stringify(text));
    // What that parser says about them (the route answers with it).
    assert.match(JSON.stringify(byFastify(LEFT_TO_FASTIFY[2]!)), /FST_ERR_CTP_INVALID_JSON_BODY/);
    assert.match(JSON.stringify(byFastify(LEFT_TO_FASTIFY[3]!)), /FST_ERR_CTP_INVALID_JSON_BODY/);
    assert.match(JSON.stringify(byFastify(LEFT_TO_FASTIFY[6]!)), /FST_ERR_CTP_INVALID_JSON_BODY/);
    assert.match(JSON.stringify(byFastify('')), /FST_ERR_CTP_EMPTY_JSON_BODY/);
    assert.deepStrictEqual(byFastify(LEFT_TO_FASTIFY[1]!), { value: { event: 'push', type: 'message', entity: {} } });
  });

  test('any JSON value without those words parses as Fastify parses it', () => {
    for (const text of ['null', '5', '"s"', '[]', '[1,{"a":[true,null]}]', '{}', ' {"a" : "b"} ', '{"a":"\\n\\t\\"x\\""}', '{"a":1e400}']) {
      const plain = parsePlainJson(text);
      assert.ok(plain !== null, text);
      assert.deepStrictEqual({ value: plain.value }, byFastify(text), text);
    }
  });
});
