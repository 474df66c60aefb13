// `curation replay` against a small capturing server: routes, token, GET
// legacy deliveries, progress lines, the summary and the exit code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { replayCommand } from '../../src/cli/replay.js';
import { DeliveryRecorder } from '../../src/server/recorder.js';
import type { CliIO } from '../../src/cli/io.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

interface Hit {
  method: string;
  url: string;
  token: unknown;
  body: unknown;
}

let server: FastifyInstance;
let base: string;
const hits: Hit[] = [];
// Another host a recording might name: it must never hear from the replay.
let other: FastifyInstance;
let otherBase: string;
const stolen: string[] = [];

before(async () => {
  server = Fastify();
  const capture = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Record<string, unknown>;
    hits.push({ method: req.method, url: req.url.split('?')[0] ?? '', token: q.token, body: req.body });
    return reply.code(q.token === 'tok' ? 200 : 401).send({ ok: q.token === 'tok' });
  };
  server.post('/webhooks/channeltalk', capture);
  server.get('/in_userchat', capture);
  base = await server.listen({ port: 0, host: '127.0.0.1' });
  other = Fastify();
  other.all('/*', async (req, reply) => {
    stolen.push(`${req.method} ${req.url}`);
    return reply.code(200).send({ ok: true });
  });
  otherBase = await other.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await Promise.all([server.close(), other.close()]);
});

function io(env: Record<string, string> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: tempDir() };
}

test('replays every recorded file in order, to its route, with the token; exit 0', async () => {
  hits.length = 0;
  const dir = path.join(tempDir(), 'recorded');
  const rec = new DeliveryRecorder(dir, false);
  await rec.record('/webhooks/channeltalk', { token: 'recorded-token-is-dropped' }, webhook('user-chat-opened'));
  await rec.record('/in_userchat', { entity: '{"id":"c1"}' }, undefined);
  await rec.record('/in_userchat', { entity: '{"id":"c2"}' }, { entity: '{"id":"c2"}' });
  const cli = io({ CHANNELTALK_WEBHOOK_TOKEN: 'tok' });
  const code = await replayCommand([dir, '--to', base], cli);
  assert.equal(code, 0, cli.out.join('\n'));
  assert.deepEqual(
    hits.map((h) => [h.method, h.url, h.token]),
    [
      ['POST', '/webhooks/channeltalk', 'tok'],
      ['GET', '/in_userchat', 'tok'],
      ['GET', '/in_userchat', 'tok'],
    ],
  );
  assert.deepEqual(hits[0]?.body, webhook('user-chat-opened'));
  assert.match(cli.out[0] ?? '', /^\[1\/3\] .+ -> 200/);
  assert.match(cli.out[2] ?? '', /^\[3\/3\] .+ -> 200/);
  assert.equal(cli.out.at(-1), 'replayed 3 deliveries: 3 accepted, 0 failed');
});

test('a refused delivery, a broken file and a missing file are counted as failures; exit 1', async () => {
  hits.length = 0;
  const dir = path.join(tempDir(), 'mixed');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'a.json'), JSON.stringify({ route: '/webhooks/channeltalk', query: {}, body: { x: 1 } }));
  await writeFile(path.join(dir, 'b.json'), 'not json');
  const cli = io();
  const code = await replayCommand([path.join(dir, 'a.json'), path.join(dir, 'b.json'), path.join(dir, 'missing.json'), '--to', base, '--token', 'wrong'], cli);
  assert.equal(code, 1);
  assert.match(cli.out[0] ?? '', /\[1\/3\] .+ -> 401 FAILED/);
  assert.match(cli.out[1] ?? '', /\[2\/3\] .+ -> FAILED/);
  assert.match(cli.out[2] ?? '', /\[3\/3\] .+ -> FAILED/);
  assert.equal(cli.out.at(-1), 'replayed 3 deliveries: 0 accepted, 3 failed');
});

test('a recording whose route is not a path on the --to origin is refused by name, never sent; the rest still replay; exit 1', async () => {
  hits.length = 0;
  stolen.length = 0;
  const dir = path.join(tempDir(), 'hostile');
  await mkdir(dir, { recursive: true });
  const host = new URL(otherBase).host;
  const routes = {
    'a-protocol-relative.json': `//${host}/steal`,
    'b-absolute.json': `${otherBase}/steal`,
    'c-backslash.json': `/\\${host}/steal`,
    'd-tab.json': `/\t/${host}/steal`,
    'e-scheme-only.json': `http:/${host}/steal`,
    'f-good.json': '/webhooks/channeltalk',
  };
  for (const [name, route] of Object.entries(routes)) {
    await writeFile(path.join(dir, name), JSON.stringify({ route, query: {}, body: webhook('user-chat-opened') }));
  }
  const cli = io({ CHANNELTALK_WEBHOOK_TOKEN: 'tok' });
  const code = await replayCommand([dir, '--to', base], cli);
  assert.equal(code, 1, cli.out.join('\n'));
  assert.deepEqual(stolen, [], 'the other host received nothing');
  assert.deepEqual(
    hits.map((h) => [h.method, h.url, h.token]),
    [['POST', '/webhooks/channeltalk', 'tok']],
    'only the good recording reached --to',
  );
  for (const [i, name] of Object.keys(routes).slice(0, 5).entries()) {
    const line = cli.out[i] ?? '';
    assert.ok(line.startsWith(`[${i + 1}/6] `) && line.includes(name), `line names the file: ${line}`);
    assert.match(line, /-> REFUSED route .* is not a path on http:\/\/127\.0\.0\.1:\d+; not sent$/);
    assert.ok(!line.includes('token='), 'no token in the message');
  }
  assert.match(cli.out[5] ?? '', /^\[6\/6\] .+ -> 200/);
  assert.equal(cli.out.at(-1), 'replayed 6 deliveries: 1 accepted, 5 failed');
});

test('usage errors exit 2', async () => {
  assert.equal(await replayCommand([], io()), 2);
  assert.equal(await replayCommand(['x.json'], io()), 2);
  assert.equal(await replayCommand(['x.json', '--to', 'not a url'], io()), 2);
  // Only an http(s) origin can be a service.
  assert.equal(await replayCommand(['x.json', '--to', 'file:///etc/passwd'], io()), 2);
});
