import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, formatLoadError } from '../../src/curation/index.js';
import { tempDir } from './helpers.js';

const base = `id: wb
defaultLanguage: en
trigger: { on: chatOpened }
fields:
  weight: { type: number, unit: kg, min: 20, max: 300 }
compute:
  waterL: round(weight * 0.03, 1)
messages:
  - text: "{{ waterL }} L"
`;

test('writeBack maps computed values to profile keys', async () => {
  const dir = await tempDir({ 'wb.yaml': `${base}writeBack:\n  waterL: dailyWaterL\n` });
  const loaded = await loadCurations(dir);
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.set.byId('wb')?.writeBack, { waterL: 'dailyWaterL' });
});

test('writeBack of an unknown value or a key written twice is a load error with its line', async () => {
  const dir = await tempDir({ 'wb.yaml': `${base}writeBack:\n  wieght: w\n  waterL: w\n` });
  const loaded = await loadCurations(dir);
  assert.ok(!loaded.ok);
  const lines = loaded.errors.map(formatLoadError);
  assert.ok(lines.some((l) => /wb\.yaml:11 writeBack\.wieght: unknown value 'wieght'/.test(l)), lines.join('\n'));
});

test('a curation without writeBack writes nothing', async () => {
  const dir = await tempDir({ 'wb.yaml': base });
  const loaded = await loadCurations(dir);
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.set.byId('wb')?.writeBack, {});
});
