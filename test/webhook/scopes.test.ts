// The webhook scopes the loaded curations need, from their triggers and
// their takeover events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeScope, scopesNeeded, takeoverScopes, triggerScopes } from '../../src/webhook/scopes.js';
import { loadCurations } from '../../src/curation/index.js';
import { loadPack, minimalCuration, tempDir } from '../curation/helpers.js';

test('each trigger kind names its scope', () => {
  assert.deepEqual(triggerScopes('chatOpened'), ['userChat.opened']);
  assert.deepEqual(triggerScopes('userMessage'), ['message.created.userChat']);
});

test('takeover detection: a manager message needs message deliveries; closed and assigned chats come as user chat deliveries', () => {
  assert.deepEqual(takeoverScopes('managerMessage'), ['message.created.userChat']);
  assert.deepEqual(takeoverScopes('chatClosed'), ['userChat.opened']);
  assert.deepEqual(takeoverScopes('chatAssigned'), ['userChat.opened']);
});

test('the shipped pack needs both scopes, each with the curations that need it', async () => {
  const pack = await loadPack();
  const needed = scopesNeeded(pack.curations);
  assert.deepEqual(needed.scopes, ['userChat.opened', 'message.created.userChat']);
  assert.deepEqual(needed.why['userChat.opened']?.starts, ['diet-main']);
  assert.deepEqual(needed.why['message.created.userChat']?.starts, ['diet-gift']);
  assert.deepEqual(needed.why['message.created.userChat']?.stops.sort(), ['diet-gift', 'diet-main'], 'a manager message stops both');
  assert.equal(describeScope(needed, 'userChat.opened'), 'userChat.opened (starts diet-main; stops diet-gift, diet-main)');
});

test('a chat-opened curation that never stops on a manager message needs only userChat.opened', async () => {
  const dir = await tempDir({ 'a.yaml': minimalCuration('takeover: { cancelOn: [chatClosed] }\nmessages:\n  - text: hi\n') });
  const loaded = await loadCurations(dir);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  assert.deepEqual(scopesNeeded(loaded.set.curations).scopes, ['userChat.opened']);
});

test('no curations, no scopes', () => {
  assert.deepEqual(scopesNeeded([]).scopes, []);
});
