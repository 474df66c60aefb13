// A support-bot button click carries the emoji in plainText and a :shortcode:
// in its blocks; the shop may write the keyword either way (issue 17 item 4).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, matchCurations } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { startsCuration } from '../../src/curation/triggers/registry.js';
import { matchesKeyword } from '../../src/curation/keywords.js';
import { keywordForm } from '../../src/curation/normalize.js';
import { webhook } from '../support/fixtures.js';
import { minimalCuration, tempDir } from './helpers.js';

const rule = (keywords: string[]) => ({ keywords: keywords.map(keywordForm), match: 'exact' as const });

describe('keywords: emoji and shortcode are the same keyword', () => {
  test('written with the shortcode, the emoji click matches, and the other way round', () => {
    assert.equal(matchesKeyword(rule([':gift: 선물']), '🎁 선물'), true);
    assert.equal(matchesKeyword(rule(['🎁 선물']), ':gift: 선물'), true);
  });

  test('an emoji-only keyword is a keyword, written either way', () => {
    assert.equal(keywordForm('👍'), keywordForm(':thumbsup:'));
    assert.notEqual(keywordForm('👍'), '');
    assert.equal(matchesKeyword(rule([':+1:']), '👍'), true);
    assert.equal(matchesKeyword(rule(['👍']), ':thumbsup:'), true);
    assert.equal(matchesKeyword(rule(['👍']), '🎁'), false);
  });

  test('text like 10:30:00 is untouched, and letters still ignore a stray emoji', () => {
    assert.equal(keywordForm('10:30:00'), '103000');
    assert.equal(matchesKeyword(rule(['선물']), '선물!! 🎁'), true);
  });

  for (const [written, label] of [[':gift: 선물', 'shortcode'], ['🎁 선물', 'emoji']] as const) {
    test(`a curation whose keyword is written with the ${label} starts on the button click`, async () => {
      const dir = await tempDir({ 'k.yaml': minimalCuration(`trigger: { on: userMessage, keywords: ['${written}'] }\nmessages:\n  - text: k\n`, 'k') });
      const loaded = await loadCurations(dir);
      assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.errors));
      const click = normalize(webhook('user-message-button-click'));
      assert.equal(startsCuration(click), true);
      const matched = matchCurations(loaded.set, click);
      assert.deepEqual(matched.map((c) => c.id), ['k']);
    });
  }
});
