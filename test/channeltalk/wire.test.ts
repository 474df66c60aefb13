// The client's own message schema (wire.ts): every part of a message the
// Channel Talk API takes, and only as the client may send it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageBodySchema } from '../../src/channeltalk/wire.js';
import { messageBodyProblems } from '../../src/channeltalk/markup.js';
import { accepted, refused } from './message-bodies.js';

void describe('the client sends every message part the API takes', () => {
  for (const [name, body] of accepted) {
    void test(`accepts ${name}`, () => {
      assert.deepEqual(messageBodyProblems(body), []);
      assert.ok(MessageBodySchema.safeParse(body).success);
    });
  }
});

void describe('and nothing the API refuses', () => {
  for (const [name, body, why] of refused) {
    void test(`refuses ${name}`, () => {
      const problems = messageBodyProblems(body);
      assert.ok(problems.length > 0, 'refused');
      assert.ok(problems.some((p) => why.test(p)), problems.join('\n'));
    });
  }
});

