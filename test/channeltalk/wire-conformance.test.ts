// The client's schema (wire.ts) is a strict subset of what Channel Talk's
// OpenAPI document accepts (the fake's spec.ts): every body the client would
// send is one the API takes, and every body the API refuses the client refuses
// before sending.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COLOR_VARIANTS, FORM_DATA_TYPES, FORM_INPUT_TYPES, MESSAGE_OPTIONS } from '../../src/channeltalk/wire.js';
import { messageBodyProblems } from '../../src/channeltalk/markup.js';
import { specMessageProblems } from '../../src/fake-channeltalk/message-rules.js';
import { accepted, refused } from './message-bodies.js';

const clientOk = (b: unknown) => messageBodyProblems(b).length === 0;
const specOk = (b: unknown) => specMessageProblems(b).length === 0;
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** fc.record with every key optional; undefined values are dropped, as JSON would. */
const partial = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) =>
  fc.record(model, { requiredKeys: [] }).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));

void describe('the client sends only what the spec accepts', () => {
  void test('every example the client accepts, the spec accepts', () => {
    for (const [name, body] of accepted) {
      assert.ok(clientOk(body), `client accepts ${name}`);
      assert.deepEqual(specMessageProblems(body), [], name);
    }
  });

  void test('every example the spec refuses, the client refuses', () => {
    const specRefused = refused.filter(([, body]) => !specOk(body));
    assert.ok(specRefused.length >= 15, 'the table holds the spec\'s refusals');
    for (const [name, body] of specRefused) assert.ok(!clientOk(body), `client refuses ${name}`);
  });

  // Bodies built from the client schema's own shapes: the client accepts each, and so does the spec.
  const safe = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', '가', ' ', '1', '&amp;', '&lt;', '.', '!') });
  const markup = fc.oneof(safe, safe.map((s) => `<b>${s}</b>`), safe.map((s) => `<link type="url" value="https://shop.example/">${s}</link>`), safe.map((s) => `<link type="manager" value="41">${s}</link>`));
  const textBlock = markup.map((value) => ({ type: 'text' as const, value }));
  const bullets = (depth: number): fc.Arbitrary<unknown> =>
    fc.record({ type: fc.constant('bullets'), blocks: fc.array(depth <= 1 ? textBlock : fc.oneof(textBlock, bullets(depth - 1)), { minLength: 1, maxLength: 3 }) });
  const block = fc.oneof(textBlock, fc.record({ type: fc.constant('code'), value: safe, language: opt(fc.constantFrom('json', 'ts')) }).map(dropUndefined), bullets(3));
  const url = fc.constantFrom('https://shop.example/', 'http://shop.example/p?a=1', 'https://a.example/x#y');
  const args = fc.dictionary(fc.constantFrom('sku', 'plan', 'n'), fc.dictionary(fc.constantFrom('value', 'id'), fc.oneof(safe, fc.integer(), fc.boolean())), { maxKeys: 2 });
  const action = fc.oneof(
    fc.record({ type: fc.constant('web'), attributes: fc.record({ url }) }),
    fc.record({ type: fc.constant('command'), attributes: partial({ appId: safe, name: safe, params: args }).filter((a) => 'appId' in a && 'name' in a) }),
    fc.record({ type: fc.constant('wam'), attributes: partial({ appId: safe, name: safe, wamArgs: args }).filter((a) => 'appId' in a && 'name' in a) }),
  );
  const button = fc.record({ title: safe, colorVariant: opt(fc.constantFrom(...COLOR_VARIANTS)), action }).map(dropUndefined);
  const file = fc
    .record({ id: safe, name: safe, size: fc.nat(10_000_000), bucket: safe, key: safe, type: opt(safe), contentType: opt(fc.constantFrom('image/png', 'application/pdf')), width: opt(fc.nat(4000)), height: opt(fc.nat(4000)) })
    .map(dropUndefined);
  const webPage = fc.record({ id: safe, url, title: opt(safe), description: opt(safe), imageUrl: opt(url) }).map(dropUndefined);
  const input = fc
    .record({
      type: fc.constantFrom(...FORM_INPUT_TYPES),
      label: safe,
      bindingKey: opt(fc.constantFrom('user.profile.weight', 'user.profile.goal', 'userChat.profile.size')),
      required: opt(fc.boolean()),
      dataType: opt(fc.constantFrom(...FORM_DATA_TYPES)),
      options: opt(fc.uniqueArray(safe, { minLength: 1, maxLength: 3 })),
    })
    .map(dropUndefined);
  const form = fc.record({ type: fc.constant('custom'), inputs: fc.array(input, { minLength: 1, maxLength: 4 }) });
  const validBody = partial({
    blocks: fc.array(block, { minLength: 1, maxLength: 3 }),
    plainText: safe,
    buttons: fc.array(button, { minLength: 1, maxLength: 2 }),
    files: fc.array(file, { minLength: 1, maxLength: 10 }),
    webPage,
    form,
    options: fc.uniqueArray(fc.constantFrom(...MESSAGE_OPTIONS), { minLength: 1, maxLength: 4 }),
    requestId: safe,
  }).filter((b) => ['blocks', 'plainText', 'files', 'webPage', 'form'].some((k) => k in b));

  void test('bodies of every shape the client schema allows are accepted by both', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        assert.deepEqual(messageBodyProblems(body), [], JSON.stringify(body));
        assert.deepEqual(specMessageProblems(body), [], JSON.stringify(body));
      }),
      { numRuns: 300 },
    );
  });

  // Near misses: the same shapes with wrong values, extra keys and missing keys mixed in.
  const anything = fc.oneof(safe, fc.constant(''), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
  const mutate = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 30, arbitrary: arb },
      { weight: 1, arbitrary: anything },
      { weight: 1, arbitrary: fc.tuple(arb, fc.constantFrom('extra', 'url', 'id', 'blocks'), anything).map(([v, k, x]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, [k]: x } : v)) },
      { weight: 1, arbitrary: arb.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).slice(1)) : v)) },
    );
  const nearBody = partial({
    blocks: fc.array(mutate(block), { maxLength: 3 }),
    plainText: mutate(safe),
    buttons: fc.array(mutate(fc.record({ title: safe, action: mutate(action) })), { maxLength: 3 }),
    files: fc.array(mutate(file), { maxLength: 11 }),
    webPage: mutate(webPage),
    form: mutate(fc.record({ type: fc.constantFrom('custom', 'custom', 'custom', 'followUp'), inputs: fc.array(mutate(input), { maxLength: 5 }) })),
    options: fc.array(fc.constantFrom(...MESSAGE_OPTIONS, 'loud'), { maxLength: 3 }),
    requestId: mutate(safe),
  });

  void test('whatever the client accepts among near misses, the spec accepts (so whatever the spec refuses, the client refuses)', () => {
    let clientAccepted = 0;
    let specRefused = 0;
    fc.assert(
      fc.property(nearBody, (body) => {
        if (clientOk(body)) {
          clientAccepted++;
          assert.deepEqual(specMessageProblems(body), [], JSON.stringify(body));
        }
        if (!specOk(body)) {
          specRefused++;
          assert.ok(!clientOk(body), JSON.stringify(body));
        }
      }),
      { numRuns: 1000 },
    );
    // Both directions were exercised, not only one.
    assert.ok(clientAccepted > 0 && specRefused > 0, `accepted ${clientAccepted}, refused by the spec ${specRefused}`);
  });
});

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
