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

test('a hashed token set answers as tokenMatches does, for one presented token checked against several sets', async () => {
  const { AcceptedTokens, presentedDigest } = await import('../../src/server/token.js');
  const sets = [new AcceptedTokens(['new', 'old']), new AcceptedTokens(['other']), new AcceptedTokens([])];
  for (const given of ['new', 'old', 'other', 'ol', 'old ', '', undefined, 42, ['new']]) {
    const d = presentedDigest(given);
    assert.deepEqual(sets.map((s) => s.matchesDigest(d)), [tokenMatches(given, ['new', 'old']), tokenMatches(given, ['other']), false], String(given));
    assert.deepEqual(sets.map((s) => s.matches(given)), sets.map((s) => s.matchesDigest(d)));
  }
});

test('the digest of the last presented token is reused, and a token presented in between never gets another one\'s digest', async () => {
  const { AcceptedTokens, presentedDigest } = await import('../../src/server/token.js');
  const accepted = new AcceptedTokens(['s3cret']);
  const first = presentedDigest('s3cret');
  assert.equal(presentedDigest('s3cret'), first, 'the same token again: the digest made for it');
  for (const given of ['s3cret', 's3cre', 's3cret', 's3cretx', 'S3CRET', 's3cret', 's3cret']) {
    assert.equal(accepted.matchesDigest(presentedDigest(given)), given === 's3cret', given);
  }
});
