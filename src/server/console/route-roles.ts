// Which role each console API route needs: one table, applied by the API
// scope's onRequest hook. A route missing here is refused for everyone
// (and registering one throws at start-up), so a new route cannot slip in
// open. Keys are `METHOD path` under /console/api; HEAD follows GET.
import type { FastifyRequest } from 'fastify';
import type { Role } from '../../accounts/roles.js';

export const API_PREFIX = '/console/api';

export const ROUTE_ROLES: Readonly<Record<string, Role>> = {
  // Everyone signed in: who am I, sign out, and what the service did (values masked).
  'GET /session': 'viewer',
  'POST /logout': 'viewer',
  'PUT /session/language': 'viewer',
  'GET /overview': 'viewer',
  'GET /runs': 'viewer',
  'GET /runs/:id': 'viewer',
  'GET /curations': 'viewer',
  'GET /webhooks': 'viewer',
  // The catch-all "no such console API" answer.
  'ALL /*': 'viewer',
  // Editors: profile values, the editor, drafts, the simulator, publish and roll back.
  'POST /runs/:id/reveal': 'editor',
  'POST /runs/:id/stop': 'editor',
  'POST /curations/reload': 'editor',
  'POST /simulate': 'editor',
  'GET /curations/schema': 'editor',
  'GET /curations/:id/source': 'editor',
  'POST /curations/preview-source': 'editor',
  'GET /curations/:id/versions': 'editor',
  'GET /curations/:id/versions/:n': 'editor',
  'PUT /curations/:id/draft': 'editor',
  'POST /curations/:id/impact': 'editor',
  'POST /curations/:id/publish': 'editor',
  'POST /curations/:id/rollback': 'editor',
  'POST /curations/:id/switch': 'editor',
  // Admins: webhook unblock, accounts, the audit log.
  'POST /webhooks/unblock': 'admin',
  'GET /accounts': 'admin',
  'POST /accounts': 'admin',
  'POST /accounts/:name/disable': 'admin',
  'POST /accounts/:name/enable': 'admin',
  'POST /accounts/:name/password': 'admin',
  'POST /accounts/:name/role': 'admin',
  'GET /audit': 'admin',
  'GET /audit.csv': 'admin',
};

/** The table's key for a route as Fastify registered it. */
export function routeKey(method: string | string[], url: string): string {
  const m = Array.isArray(method) ? 'ALL' : method === 'HEAD' ? 'GET' : method;
  const path = url.startsWith(API_PREFIX) ? url.slice(API_PREFIX.length) || '/' : url;
  return `${m} ${path}`;
}

/** The role a request's route needs; undefined when the table has no entry (refuse). */
export function requiredRole(req: FastifyRequest): Role | undefined {
  const key = routeKey(req.routeOptions.method, req.routeOptions.url ?? '');
  return Object.hasOwn(ROUTE_ROLES, key) ? ROUTE_ROLES[key] : undefined;
}
