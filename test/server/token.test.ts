import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenMatches } from '../../src/server/token.js';

test('token check accepts only an exact current token', () => {
  assert.equal(tokenMatches('s3cret', ['s3cret']), true);
  assert.equal(tokenMatches('s3cret ', ['s3cret']), false);
  assert.equal(tokenMatches('S3CRET', ['s3cret']), false);
  assert.equal(tokenMatches('s3cre', ['s3cret']), false);
  assert.equal(tokenMatches('', ['s3cret']), false);
  assert.equal(tokenMatches(undefined, ['s3cret']), false);
  assert.equal(tokenMatches(['s3cret'], ['s3cret']), false);
  assert.equal(tokenMatches('anything', []), false);
});

test('during a rotation every listed token is accepted', () => {
  assert.equal(tokenMatches('old', ['new', 'old']), true);
  assert.equal(tokenMatches('new', ['new', 'old']), true);
  assert.equal(tokenMatches('other', ['new', 'old']), false);
});
