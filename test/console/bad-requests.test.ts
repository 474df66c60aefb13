// The audit log's filter (GET /console/api/audit?…): a malformed query is
// refused with a catalogue key, and its English says what it said before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFilter } from '../../src/server/console/accounts-api.js';

test('a malformed audit filter is refused with its key and values', () => {
  assert.deepEqual(auditFilter({ limit: '0' }), { refused: { ok: false, error: 'limit must be a whole number from 1', code: 'badRequest.auditLimit', params: {} } });
  assert.deepEqual(auditFilter({ since: 'yesterday' }), {
    refused: { ok: false, error: 'since must be a time (ISO 8601, e.g. 2026-12-01T00:00+09:00)', code: 'badRequest.auditTime', params: { name: 'since' } },
  });
  assert.deepEqual(auditFilter({ actor: ['a', 'b'] }), {
    refused: { ok: false, error: 'the query parameter actor was given more than once; give it once', code: 'badRequest.repeatedQuery', params: { name: 'actor' } },
  });
  assert.deepEqual(auditFilter({ action: 'sign_in', since: '2026-12-01T00:00+09:00', limit: '20000' }), { action: 'sign_in', since: Date.parse('2026-12-01T00:00+09:00'), limit: 10_000 });
});
