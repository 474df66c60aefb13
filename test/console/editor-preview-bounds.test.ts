// The preview's bound on work side by side: at most PREVIEWS_IN_FLIGHT at once
// per instance; one more is refused (429, retry-after) instead of queueing
// behind them, and the slots come back when they finish, failed or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import type { CurationSet } from '../../src/curation/index.js';
import type { ConsoleQueries } from '../../src/delivery/store/console-queries.js';
import { PREVIEWS_IN_FLIGHT, registerEditorApi } from '../../src/server/console/editor-api.js';
import { ROOT } from '../support/fixtures.js';
import { until } from './harness.js';

test('previews beyond PREVIEWS_IN_FLIGHT at once get 429; the slots are given back', async () => {
  // Each preview from a run waits inside its slot on the run's answers, until released.
  let entered = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const queries = {
    runSecrets: async () => {
      entered++;
      await held;
      return { profile: {}, values: null, writeBack: null, userEvent: null };
    },
  } as unknown as ConsoleQueries;
  const app = Fastify();
  const none: CurationSet = { curations: [], byId: () => undefined };
  registerEditorApi(app, { curations: () => none, queries, now: () => Date.parse('2026-03-14T00:30:00Z') });
  await app.ready();
  try {
    const source = readFileSync(path.join(ROOT, 'curations/diet-gift.yaml'), 'utf8');
    const post = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/curations/preview-source', payload: body });
    const waiting = Array.from({ length: PREVIEWS_IN_FLIGHT }, () => post({ source, fromRun: 'r_held' }));
    await until(() => Promise.resolve(entered === PREVIEWS_IN_FLIGHT), 'every slot to be taken');

    const refused = await post({ source, profile: {} });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(refused.json<{ error: string }>().error, /too many previews at once/);

    release();
    for (const r of await Promise.all(waiting)) assert.equal(r.statusCode, 200, r.body);
    const after = await post({ source, profile: {} });
    assert.equal(after.statusCode, 200);
    assert.equal(after.json<{ ok: boolean }>().ok, true);
  } finally {
    await app.close();
  }
});
