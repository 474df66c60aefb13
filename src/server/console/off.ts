// The console when it is off (no ADMIN_TOKEN): the page that says how to turn
// it on, its own two files, and 404s for the API. Kept apart from on.ts so
// that a service with the console off loads only this (issue 21, memory).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleError } from './messages.js';
import { offPage } from './off-page.js';
import { Assets, staticDir } from './static.js';

const OFF_PAGE_FILES = ['console.css', 'icon.svg'];

/** The off console's routes under /console (the scope), its security headers already registered. */
export function registerConsoleOff(scope: FastifyInstance): void {
  const off = (req: FastifyRequest, reply: FastifyReply) =>
    reply.code(503).header('cache-control', 'no-store').header('vary', 'accept-language').type('text/html; charset=utf-8').send(offPage(req.headers['accept-language']));
  scope.get('/', off);
  scope.get('/login', off);
  // The off page's own files, and no other: the console's scripts stay off with it.
  const offAssets = new Assets(staticDir(), {});
  scope.get('/static/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const a = OFF_PAGE_FILES.includes(name) ? await offAssets.get(name) : undefined;
    if (!a) return reply.code(404).send(consoleError('error.notFound'));
    return reply.header('cache-control', 'no-cache').type(a.type).send(a.body);
  });
  scope.all('/api/*', (_req, reply) => reply.code(404).send(consoleError('error.consoleOff')));
}
