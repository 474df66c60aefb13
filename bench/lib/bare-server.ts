// The intake baselines, on 127.0.0.1, answering 200 with a small JSON; no storage:
// - `node:http` (the default): reads the request body, no parsing: what one
//   Node process on this machine can answer at all;
// - `fastify`: the service's Fastify version, one POST route whose body
//   Fastify parses as JSON (its own parser, as the service's webhook route),
//   no logger, no hooks: the framework's share of a delivery, between
//   node:http and the service (issue 21's ignored-delivery floors).
// - `deps`: the same Fastify route plus every package `curation start` loads
//   (bench/lib/start-packages.ts, from the module inventory), one instance of
//   what the service keeps of each (a pino logger on stdout, one SQLite file
//   opened in WAL under Kysely, prom-client's default metrics, a Liquid
//   engine), and none of our code; then the service's start-up collection
//   (src/wiring/settle-heap.ts) before it listens. Started with the service's
//   flags and environment (SERVICE_NODE_FLAGS, SERVICE_ENV), it is the memory
//   floor of the chosen libraries: issue 21's idle and peak RSS rows.
import { createServer, type Server } from 'node:http';

const reply = Buffer.from('{"ok":true}');

function nodeHttp(): Server {
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
      res.end(reply);
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function fastify(): Promise<Server> {
  // Imported only here: the node:http floor must not hold Fastify's code (its idle and peak RSS are floors too).
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, keepAliveTimeout: 30_000, bodyLimit: 1024 * 1024 });
  // The parsed body is used, so its parse is not skipped.
  app.post('/webhooks/channeltalk', (req, res) => res.send({ ok: typeof req.body === 'object' && req.body !== null }));
  await app.ready();
  return app.server;
}

/** Fastify with the service's dependencies loaded and held (see the header); argv[3] is the SQLite file. */
async function withDependencies(dbFile: string): Promise<Server> {
  const { loadStartPackages } = await import('./start-packages.js');
  const held = await loadStartPackages(dbFile);
  const { default: Fastify, LogController } = await import('fastify');
  const app = Fastify({ loggerInstance: held.logger, logController: new LogController({ disableRequestLogging: true }), keepAliveTimeout: 30_000, bodyLimit: 1024 * 1024 });
  await app.register(held.formbody);
  app.post('/webhooks/channeltalk', (req, res) => res.send({ ok: typeof req.body === 'object' && req.body !== null }));
  await app.ready();
  app.addHook('onClose', (_app, done) => {
    held.close();
    done();
  });
  const { collectStartupGarbage } = await import('../../src/wiring/settle-heap.js');
  collectStartupGarbage();
  return app.server;
}

const kind = process.argv[2] ?? 'node:http';
if (kind !== 'node:http' && kind !== 'fastify' && kind !== 'deps') throw new Error(`bare server: unknown kind '${kind}' (node:http, fastify or deps)`);
const server =
  kind === 'fastify' ? await fastify() : kind === 'deps' ? await withDependencies(process.argv[3] ?? ':memory:') : nodeHttp();
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening http://127.0.0.1:${a.port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
