// Fastify's per-request logger, made only when a line is written through it:
// the lines it writes are the ones the plain pino child wrote (reqId bound,
// redaction on), and a request that writes none makes no child.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';

type FastifyChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
import pino from 'pino';
import { REDACT_PATHS } from '../../src/logger.js';
import { lazyRequestLogger } from '../../src/server/request-logger.js';

/** A logger like the service's (redaction on) that keeps its lines, without their time, and counts its children. */
function recordingLogger(): { logger: FastifyBaseLogger; lines: Array<Record<string, unknown>>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) {
        if (!l) continue;
        const { time: _time, ...rest } = JSON.parse(l) as Record<string, unknown>;
        lines.push(rest);
      }
      done();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  let children = 0;
  // Children inherit this method (pino children are made from their parent): each one counts its own children too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the `this` of whichever logger it is on
  const child = logger.child;
  logger.child = function (this: typeof logger, ...args: Parameters<typeof logger.child>) {
    children++;
    return child.apply(this, args);
  } as typeof logger.child;
  return { logger, lines, children: () => children };
}

/** A Fastify app whose one route answers twice on `/twice` (Fastify then warns through request.log) and once on `/once`. */
async function appWith(factory: FastifyChildLoggerFactory | undefined, logger: FastifyBaseLogger) {
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true, ...(factory ? { childLoggerFactory: factory } : {}) });
  app.get('/once', (_req, reply) => reply.send({ ok: true }));
  app.get('/twice', (req, reply) => {
    void reply.send({ ok: true });
    req.log.info({ profile: { weight: 70 }, chatId: 'c1' }, 'after the answer');
    void reply.send({ ok: true });
    return reply;
  });
  await app.ready();
  return app;
}

describe('the per-request logger', () => {
  test('a request that writes no line makes no child logger', async () => {
    const rec = recordingLogger();
    const app = await appWith(lazyRequestLogger, rec.logger);
    try {
      const before = rec.children();
      for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: 'GET', url: '/once' })).statusCode, 200);
      assert.equal(rec.children() - before, 0);
    } finally {
      await app.close();
    }
  });

  test('the lines written through it are the plain child\'s: reqId bound, profile redacted', async () => {
    const written = async (factory: FastifyChildLoggerFactory | undefined) => {
      const rec = recordingLogger();
      const app = await appWith(factory, rec.logger);
      try {
        await app.inject({ method: 'GET', url: '/twice' });
        return rec.lines;
      } finally {
        await app.close();
      }
    };
    const lazy = await written(lazyRequestLogger);
    const plain = await written(undefined);
    assert.deepStrictEqual(lazy, plain);
    assert.ok(lazy.length >= 2, JSON.stringify(lazy));
    for (const line of lazy) assert.equal(line.reqId, 'req-1');
    assert.deepStrictEqual(lazy[0]?.profile, '[redacted]');
  });

  test('level, child and every method reach the child it makes', () => {
    const rec = recordingLogger();
    const log = lazyRequestLogger(rec.logger, { reqId: 'r9' }, {});
    assert.equal(rec.children(), 0);
    assert.equal(log.level, 'info');
    log.level = 'debug';
    log.debug('d');
    log.error({ token: 'secret' }, 'e');
    assert.equal(rec.children(), 1);
    log.child({ sub: 1 }).warn('w');
    assert.deepStrictEqual(
      rec.lines.map((l) => [l.level, l.msg, l.reqId, l.sub, l.token]),
      [
        [20, 'd', 'r9', undefined, undefined],
        [50, 'e', 'r9', undefined, '[redacted]'],
        [40, 'w', 'r9', 1, undefined],
      ],
    );
  });

  test('two requests\' loggers share their methods: a request allocates one small object, not a closure per method (issue 21)', () => {
    const rec = recordingLogger();
    const a = lazyRequestLogger(rec.logger, { reqId: 'r1' }, {});
    const b = lazyRequestLogger(rec.logger, { reqId: 'r2' }, {});
    for (const m of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'child'] as const) assert.equal(Reflect.get(a, m), Reflect.get(b, m), m);
    // Shared, yet each writes with its own request's bindings.
    a.info('one');
    b.info('two');
    assert.deepStrictEqual(rec.lines.map((l) => [l.msg, l.reqId]), [['one', 'r1'], ['two', 'r2']]);
    assert.equal(rec.children(), 2);
  });
});
