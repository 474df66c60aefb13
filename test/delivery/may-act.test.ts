// record-event.ts mayAct decides, before the commit, that nothing will act on
// an event, so the webhook is answered without waiting (Intake.receive). It
// must agree with recordEvent: for every fixture delivery, with and without a
// matched curation, an event it calls inert is stored as that one row only
// (no job, no answer poll made due), with the status and reason verdictOf said.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/delivery/store/store.js';
import { EventInsert, mayAct, recordEvent, verdictOf, type RecordItem } from '../../src/delivery/store/record-event.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { isTakeover } from '../../src/channeltalk/event.js';
import { ROOT, webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

test('an event mayAct calls inert is stored alone, as verdictOf said; every kind that may act is called so', async () => {
  const store = await Store.open(`sqlite:${path.join(tempDir(), 'may-act.db')}`, { delayScale: 0 });
  try {
    const insert = new EventInsert(store.db);
    const names = readdirSync(path.join(ROOT, 'test/fixtures/webhooks')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const inertKinds = new Set<string>();
    const actingKinds = new Set<string>();
    let n = 0;
    for (const name of names) {
      const event = normalize(webhook(name));
      for (const candidates of [[], [{ runId: `run-${name}`, curationId: 'diet-main' }]]) {
        const item: RecordItem = { eventId: `ev-${n}`, event: { ...event, dedupeKey: `test/${n++}/${event.dedupeKey}` }, receivedAt: 1_000 + n, candidates, takeover: isTakeover(event) };
        const jobsBefore = (await store.db.selectFrom('jobs').select('id').execute()).length;
        const outcome = await store.db.transaction().execute((trx) => recordEvent(trx, item, insert, chatTiming(0)));
        const jobsAfter = (await store.db.selectFrom('jobs').select('id').execute()).length;
        const what = `${name} with ${candidates.length} candidates`;
        if (mayAct(item)) {
          actingKinds.add(event.kind);
          continue;
        }
        inertKinds.add(event.kind);
        assert.equal(jobsAfter, jobsBefore, `${what}: no job`);
        assert.equal(outcome.answerPolls, 0, `${what}: no answer poll`);
        assert.deepEqual(outcome.runs, [], what);
        const { status, reason } = verdictOf(item);
        assert.notEqual(status, 'queued', what);
        assert.deepEqual([outcome.status, outcome.reason, outcome.duplicate], [status, reason, false], what);
      }
    }
    assert.deepEqual([...inertKinds].sort(), ['botMessage', 'chatOpened', 'chatTagged', 'ignored'], 'inert without a matched curation');
    for (const kind of ['chatOpened', 'userMessage', 'managerMessage', 'chatClosed', 'chatAssigned', 'profileChanged', 'chatTagged', 'botMessage']) {
      assert.ok(actingKinds.has(kind), `${kind} may act`);
    }
  } finally {
    await store.close();
  }
});
