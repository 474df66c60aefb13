// `fallback.ask`: a curation may answer missing or odd answers with a form
// bound to their profile keys. `check` refuses an ask that could never help,
// with file:line path: sentence; plan() asks only when the form can fix every
// problem, shows only the inputs for them, and never asks a second time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLoadError, loadCurations, plan, describePlan, type Curation } from '../../src/curation/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { MessageBodySchema } from '../../src/channeltalk/wire.js';
import { specMessageProblems } from '../../src/fake-channeltalk/message-rules.js';
import { scopesNeeded, describeScope } from '../../src/webhook/scopes.js';
import { captureIO, minimalCuration, tempDir } from './helpers.js';

const FIELDS = `fields:
  name: { type: text, required: false }
  weight: { type: number, unit: kg, min: 20, max: 300 }
  height: { type: number, unit: cm, min: 100, max: 250 }
  goal:
    type: option
    options: { lose: [감량], keep: [유지] }
  agree: { type: boolean, consent: true }
compute:
  bmi: weight / (height / 100) ^ 2
messages:
  - text: "BMI {{ bmi | round: 1 }}"
`;

const ASKING = `${FIELDS}fallback:
  messages:
    - text: 설문을 끝까지 작성해 주세요.
  ask:
    wait: 12h
    messages:
      - text: "{{ name | default: '고객' }}님, 아래 내용만 알려 주세요."
        form:
          inputs:
            - { field: weight, label: 현재 체중 (kg) }
            - { field: height, label: 키 (cm) }
      - text: 목표도 골라 주세요.
        form:
          inputs:
            - { field: goal, label: 목표 }
consentFallback:
  messages:
    - text: 동의가 필요해요.
`;

async function loadOne(body: string): Promise<Curation> {
  const dir = await tempDir({ 'c.yaml': minimalCuration(body) });
  const r = await loadCurations(dir);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
  const c = r.set.byId('mini');
  assert.ok(c);
  return c;
}

/** `curation check`'s lines for a broken file, as the operator sees them. */
async function checkErrors(body: string): Promise<{ lines: string[]; text: string }> {
  const text = minimalCuration(body);
  const dir = await tempDir({ 'c.yaml': text });
  const io = captureIO();
  assert.equal(await checkCommand(['--dir', dir], io), 1, 'check fails');
  return { lines: io.err.filter((l) => !/problems? in/.test(l)), text };
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

const okProfile = { weight: 70, height: 175, goal: '감량', agree: true };

describe('fallback.ask in a curation file', () => {
  test('it loads: the answers it asks for and its own wait; check says so', async () => {
    const c = await loadOne(ASKING);
    assert.deepEqual(c.ask, { waitMs: 12 * 3_600_000, fields: ['weight', 'height', 'goal'] });
    const dir = await tempDir({ 'c.yaml': minimalCuration(ASKING) });
    const io = captureIO();
    assert.equal(await checkCommand(['--dir', dir], io), 0, io.err.join('\n'));
    assert.match(io.out.join('\n'), /asks in the chat for weight, height, goal \(wait 12h\)/);
    const noWait = await loadOne(ASKING.replace('    wait: 12h\n', ''));
    assert.equal(noWait.ask?.waitMs, null, "without a wait: the service's ANSWER_WAIT_MINUTES");
  });

  test('check refuses a wait outside 1m to 30d, at its line', async () => {
    for (const wait of ['30s', '31d', '0s']) {
      const { lines, text } = await checkErrors(ASKING.replace('wait: 12h', `wait: ${wait}`));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.ok(lines[0]!.endsWith(`c.yaml:${lineOf(text, 'wait:')} fallback.ask.wait: the wait for the answer must be from 1m to 30d, such as 24h (it is ${wait})`), lines[0]);
    }
  });

  test('check refuses an ask without a form', async () => {
    const { lines, text } = await checkErrors(`${FIELDS}fallback:\n  messages:\n    - text: 설문을 끝까지 작성해 주세요.\n  ask:\n    messages:\n      - text: 몸무게를 알려 주세요.\n`);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`c\\.yaml:${lineOf(text, '  ask:') + 1} fallback\\.ask\\.messages: an ask needs a form`));
  });

  test('check refuses inputs that could never be shown: an optional field, the consent flag, an answer asked twice', async () => {
    const optional = await checkErrors(ASKING.replace('- { field: height, label: 키 (cm) }', '- { field: name, label: 이름 }'));
    assert.equal(optional.lines.length, 1, optional.lines.join('\n'));
    assert.match(optional.lines[0]!, new RegExp(`c\\.yaml:${lineOf(optional.text, 'field: name')} fallback\\.ask\\.messages\\[0\\]\\.form\\.inputs\\[1\\]\\.field: 'name' is optional: a missing or odd optional answer never makes the fallback`));
    const consent = await checkErrors(ASKING.replace('- { field: goal, label: 목표 }', '- { field: agree, label: 동의 }'));
    assert.match(consent.lines[0]!, /fallback\.ask\.messages\[1\]\.form\.inputs\[0\]\.field: 'agree' is the consent flag: without consent the consentFallback is sent, never the ask/);
    const twice = await checkErrors(ASKING.replace('- { field: goal, label: 목표 }', '- { field: weight, label: 체중 }'));
    assert.match(twice.lines[0]!, /fallback\.ask\.messages\[1\]\.form\.inputs\[0\]\.field: 'weight' is already asked in fallback\.ask\.messages\[0\]: ask for each answer once/);
  });

  test("an input must be one of the curation's fields (the profile keys it reads); ask belongs to fallback only", async () => {
    const unknown = await checkErrors(ASKING.replace('field: weight,', 'field: wieght,'));
    assert.match(unknown.lines[0]!, /fallback\.ask\.messages\[0\]\.form\.inputs\[0\]\.field: unknown field 'wieght'; did you mean 'weight'\?/);
    const consentAsk = await checkErrors(ASKING.replace("consentFallback:\n  messages:\n    - text: 동의가 필요해요.\n", "consentFallback:\n  messages:\n    - text: 동의가 필요해요.\n  ask:\n    messages:\n      - text: x\n"));
    assert.match(consentAsk.lines.join('\n'), /consentFallback/);
  });
});

describe('plan() with fallback.ask', () => {
  test('missing answers the form covers: the ask, each form showing only their inputs, bound to their profile keys', async () => {
    const c = await loadOne(ASKING);
    const p = plan(c, null, { ...okProfile, weight: undefined }, { runId: 'r1', now: 0 });
    assert.equal(p.outcome, 'ask');
    assert.deepEqual(p.problems.map((x) => x.field), ['weight']);
    assert.match(p.reason ?? '', /weight \(missing\); asked in the chat/);
    assert.equal(p.messages.length, 2, 'the second message keeps its text, without its form');
    assert.deepEqual(p.messages[0]?.body.form?.inputs.map((i) => [i.bindingKey, i.type, i.label]), [['user.profile.weight', 'number', '현재 체중 (kg)']]);
    assert.equal(p.messages[1]?.body.form, undefined);
    assert.deepEqual(p.messages.map((m) => m.body.requestId), ['r1-0', 'r1-1']);
    for (const m of p.messages) {
      assert.ok(MessageBodySchema.safeParse(m.body).success);
      assert.deepEqual(specMessageProblems(m.body), [], 'Channel Talk takes it');
    }
    assert.match(describePlan(p), /^mini: ask in ko, 2 messages/);
  });

  test('an out-of-range answer is asked for too; options are offered as the field has them', async () => {
    const c = await loadOne(ASKING);
    const p = plan(c, null, { ...okProfile, height: 400, goal: '몰라요' }, { runId: 'r', now: 0 });
    assert.equal(p.outcome, 'ask');
    assert.deepEqual(p.messages.map((m) => m.body.form?.inputs.map((i) => i.bindingKey)), [['user.profile.height'], ['user.profile.goal']]);
    assert.deepEqual(p.messages[1]?.body.form?.inputs[0]?.options, ['감량', '유지'], "each option as the survey's text, as Channel Talk's forms carry them");
    assert.ok(!JSON.stringify(p).includes('400'), 'the odd value is nowhere in the plan');
  });

  test('what the ask cannot fix gets the plain fallback: a problem no input asks for, no consent, a failed computation', async () => {
    const partial = await loadOne(ASKING.replace("      - text: 목표도 골라 주세요.\n        form:\n          inputs:\n            - { field: goal, label: 목표 }\n", ''));
    const p = plan(partial, null, { ...okProfile, weight: undefined, goal: undefined }, { runId: 'r', now: 0 });
    assert.equal(p.outcome, 'fallback', 'goal is not asked: answering the form would still fall back');
    const c = await loadOne(ASKING);
    assert.equal(plan(c, null, { ...okProfile, agree: false, weight: undefined }, { runId: 'r', now: 0 }).outcome, 'fallback');
    assert.match(JSON.stringify(plan(c, null, { ...okProfile, agree: false }, { runId: 'r', now: 0 }).messages), /동의가 필요해요/);
    const broken = await loadOne(ASKING.replace('bmi: weight / (height / 100) ^ 2', 'bmi: weight / (height - 181)'));
    assert.equal(plan(broken, null, { ...okProfile, height: 181 }, { runId: 'r', now: 0 }).outcome, 'fallback', 'a division by zero: no answer is wrong, asking would not help');
  });

  test('planned again after the answer (ask: false, firstSeq): a problem left is the plain fallback, after the ask\'s messages', async () => {
    const c = await loadOne(ASKING);
    const still = plan(c, null, { ...okProfile, weight: 5 }, { runId: 'r1', now: 0, ask: false, firstSeq: 2 });
    assert.equal(still.outcome, 'fallback');
    assert.deepEqual(still.messages.map((m) => [m.seq, m.body.requestId]), [[2, 'r1-2']]);
    const fixed = plan(c, null, okProfile, { runId: 'r1', now: 0, ask: false, firstSeq: 2 });
    assert.equal(fixed.outcome, 'sequence');
    assert.deepEqual(fixed.messages.map((m) => [m.seq, m.body.requestId]), [[2, 'r1-2']]);
    assert.match(JSON.stringify(fixed.messages[0]?.body), /BMI 22\.9/);
  });
});

describe('webhook scopes of a curation that asks', () => {
  test("curation setup asks for the user's contact upserts, members and leads alike, and says why", async () => {
    const c = await loadOne(ASKING);
    assert.deepEqual(scopesNeeded([c]).scopes, ['userChat.opened', 'message.created.userChat', 'lead.upserted.contact', 'member.upserted.contact']);
    const needed = scopesNeeded([c]);
    assert.ok(needed.scopes.includes('member.upserted.contact'));
    assert.equal(describeScope(needed, 'member.upserted.contact'), 'member.upserted.contact (brings the answers mini asks for)');
    const plain = await loadOne(FIELDS);
    assert.ok(!scopesNeeded([plain]).scopes.includes('member.upserted.contact'), 'a curation that does not ask needs no user deliveries');
  });
});
