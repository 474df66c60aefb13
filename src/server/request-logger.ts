// Fastify's per-request logger (`request.log`, bound to the request's reqId),
// built only when a line is written through it. Fastify makes one for every
// request, and with the service's redaction a pino child costs about 3 µs
// and its garbage (issue 21); the routes log through the service's logger,
// and Fastify writes through this one only on rare errors (a reply sent
// twice, a failing stream), which still get the same child and the same line.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LogFn } from 'pino';

/** A FastifyBaseLogger that is `parent.child(bindings, opts)` from its first use on. */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => (child ??= parent.child(bindings, opts));
  const method =
    (name: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'): LogFn =>
    (...args: Parameters<LogFn>) => {
      real()[name](...args);
    };
  return {
    get level(): LevelWithSilentOrString {
      return real().level;
    },
    set level(level: LevelWithSilentOrString) {
      real().level = level;
    },
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    silent: method('silent'),
    child: (b: Bindings, o?: ChildLoggerOptions) => real().child(b, o),
  };
}
