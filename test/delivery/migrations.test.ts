// Migrations run at start-up, on stores that may hold months of history: each
// step is reported as it runs (an index build can take a while), and a store
// already at the latest version runs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/delivery/store/store.js';
import type { MigrationProgress } from '../../src/delivery/store/migrations.js';
import { tempDir } from '../support/processes.js';

test('migrations report each step with its duration, and run once', async () => {
  const dir = tempDir();
  try {
    const url = `sqlite:${path.join(dir, 'm.db')}`;
    const seen: MigrationProgress[] = [];
    const first = await Store.open(url, { delayScale: 1, onMigration: (p) => seen.push(p) });
    await first.close();
    const names = [...new Set(seen.map((p) => p.migration))];
    assert.deepEqual(names, ['0001_initial', '0002_profile_write_back', '0003_live_row_indexes', '0004_console_sessions', '0005_jobs', '0006_event_intake', '0007_send_jobs', '0008_answer_wait', '0009_user_events', '0010_channel_scope', '0011_drop_run_claims', '0012_curation_versions', '0013_accounts_and_audit', '0014_curation_switch', '0015_reason_words', '0016_run_customer_name']);
    for (const name of names) {
      const phases = seen.filter((p) => p.migration === name);
      assert.deepEqual(phases.map((p) => p.phase), ['start', 'done'], name);
      assert.ok(typeof phases[1]?.ms === 'number' && phases[1].ms >= 0, `${name} has a duration`);
    }
    const again: MigrationProgress[] = [];
    const second = await Store.open(url, { delayScale: 1, onMigration: (p) => again.push(p) });
    assert.equal(await second.queueDepth(), 0);
    await second.close();
    assert.deepEqual(again, [], 'nothing runs on an up-to-date store');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
