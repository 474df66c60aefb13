// The intake baseline: a bare node:http server on 127.0.0.1 that reads the
// request body and answers 200 with a small JSON. No parsing, no storage:
// what one Node process on this machine can answer at all.
import { createServer } from 'node:http';

const reply = Buffer.from('{"ok":true}');
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 30_000;
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
