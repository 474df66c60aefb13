// A form's options are the survey's own texts, end to end through the fake
// Channel Talk: the shipped diet curation asks for its missing goal and
// activity; the form offers each option as the string the shop's survey
// stored (Channel Talk's own forms carry strings, not {value, label}); the
// customer picks one, the fake writes that string into the profile, and the
// curation reads it back as the right option key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCurations, plan, resolveProfile, type Curation } from '../../src/curation/index.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import type { MessageBody } from '../../src/channeltalk/wire.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { KEY, SECRET, api, control, startTestFake } from '../fake-channeltalk/helpers.js';

const CHANNEL = '95334';
const PROFILE = {
  name: '김하나',
  weight: 72.5,
  height: 176,
  age: 34,
  hydrate: '1L 이하',
  number_dining: '3회',
  worries: [],
  thirdPartyAgree: true,
};
// The survey's texts, as the shop's survey stored them (curations/diet-main.yaml).
const GOALS = ['5Kg 이상의 감량을 원하세요?', '5Kg 미만의 감량을 원하세요?', '5Kg 이상의 증량을 원하세요?'];
const ACTIVITIES = ['거의 없다 (주1회이하)', '보통 (주2~4회)', '많다(주5~7회)'];

const ASK = `  ask:
    messages:
      - text: 아래 두 가지만 더 골라 주세요.
        form:
          inputs:
            - { field: goal, label: 목표 }
            - { field: activation, type: radio, label: 운동 }
`;

describe('end to end: form options are the survey texts, and the chosen text reads back as its option', () => {
  let fake: FakeChannelTalk;
  let client: ChannelTalkClient;
  let curation: Curation;

  before(async () => {
    const dir = tempDir();
    const main = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8').replace(/\n# Optional: after the sequence completes/, `${ASK}\n# Optional: after the sequence completes`);
    assert.match(main, /^ {2}ask:$/m);
    writeFileSync(path.join(dir, 'diet-main.yaml'), main);
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok);
    const c = loaded.set.byId('diet-main');
    assert.ok(c);
    curation = c;
    fake = await startTestFake();
    client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: false });
  });
  after(async () => {
    await fake?.close();
  });

  test('the ask offers strings; the picked string lands in the profile and plans as the right option', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'formuser1', profile: PROFILE }] });
    await control(fake, 'POST', '/user-chats', { channelId: CHANNEL, userId: 'formuser1', chatId: 'formchat1', delivery: 'none' });

    const asked = plan(curation, null, PROFILE, { runId: 'r1', now: 0 });
    assert.equal(asked.outcome, 'ask');
    const body = asked.messages[0]?.body;
    assert.ok(body?.form);
    assert.deepEqual(
      body.form.inputs.map((i) => [i.bindingKey, i.type, i.options]),
      [
        ['user.profile.goal', 'singleSelect', GOALS],
        ['user.profile.activation', 'radio', ACTIVITIES],
      ],
      "each option is offered as the survey's own text",
    );

    // Channel Talk takes it (the fake refuses option objects with a 422).
    const sent = await client.sendMessage('formchat1', body);
    assert.ok(sent.messageId);
    const stored = (await api(fake, 'GET', '/open/v5/user-chats/formchat1/messages')).body.messages as Array<{ form?: MessageBody['form'] }>;
    const form = stored.find((m) => m.form)?.form;
    assert.deepEqual(form?.inputs.map((i) => i.options), [GOALS, ACTIVITIES]);

    // The customer picks the second goal and the first activity from what the form shows.
    const goal = form?.inputs[0]?.options?.[1];
    const activity = form?.inputs[1]?.options?.[0];
    assert.equal(goal, GOALS[1]);
    await control(fake, 'POST', '/users/formuser1/form-submission', { messageId: sent.messageId, values: { 'user.profile.goal': goal, 'user.profile.activation': activity }, delivery: 'none' });

    const { user } = await client.getUser('formuser1');
    assert.equal(user.profile?.goal, GOALS[1], 'the profile holds the text the survey stored, not a key');
    assert.equal(user.profile?.activation, ACTIVITIES[0]);
    const resolved = resolveProfile(curation, user.profile ?? null);
    assert.ok(resolved.ok, JSON.stringify(resolved.problems));
    assert.equal(resolved.profile.goal, 'loseUnder5');
    assert.equal(resolved.profile.activation, 'none');
    const after = plan(curation, null, user.profile ?? null, { runId: 'r1', now: 0, ask: false });
    assert.equal(after.outcome, 'sequence');
    assert.ok(JSON.stringify(after.messages.map((m) => m.body)).includes('5kg 미만 감량'), "the sequence speaks of the picked goal ('loseUnder5')");
  });

  test('the fake refuses a submission of a choice the form does not offer', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'formuser2', profile: PROFILE }] });
    await control(fake, 'POST', '/user-chats', { channelId: CHANNEL, userId: 'formuser2', chatId: 'formchat2', delivery: 'none' });
    const asked = plan(curation, null, PROFILE, { runId: 'r2', now: 0 });
    const sent = await client.sendMessage('formchat2', asked.messages[0]!.body);
    const res = await fetch(`${fake.url}/_fake/users/formuser2/form-submission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: sent.messageId, values: { 'user.profile.goal': 'loseUnder5' }, delivery: 'none' }),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /user\.profile\.goal.*not one of the form's options/);
    const { user } = await client.getUser('formuser2');
    assert.equal(user.profile?.goal, undefined, 'nothing was written');
  });
});
