// The operator console at /console: a sign-in with an account's name and
// password (or ADMIN_TOKEN, break-glass), a small single-page app, and its
// JSON API under /console/api, every route gated by role (route-roles.ts).
// Without ADMIN_TOKEN the console is off and says how to turn it on.
// Each side is its own module, imported when the service registers it
// (on.ts, off.ts): a service with the console off never loads the API and
// its helpers (issue 21: memory). Either is loaded and registered at start,
// so a console that cannot start still fails at start.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CurationSet } from '../../curation/index.js';
import type { Store } from '../../delivery/store/store.js';
import type { Schedule } from '../refusal-log.js';
import type { ConsoleWebhooks } from './webhooks-api.js';
import type { ConsoleVersions } from './versions-api.js';
import { registerSecurityHeaders } from './security.js';

export interface ConsoleDeps {
  store: Store;
  logger: Logger;
  adminToken: string | undefined;
  curations: () => CurationSet;
  reloadCurations: () => Promise<{ ok: true; ids: string[] } | { ok: false; errors: string[] }>;
  /** The webhook's health, the recent sweeps and the Unblock button; without it the banner stays empty. */
  webhooks?: ConsoleWebhooks;
  /** Versions, drafts, publish and roll back; without it the editor only previews, from the files. */
  versions?: ConsoleVersions;
  now?: () => number;
  /** The timer of the refused sign-in log summaries; tests move it by hand. */
  schedule?: Schedule;
}

export async function registerConsole(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ component: 'console' });
  const adminToken = deps.adminToken;

  await app.register(
    async (scope) => {
      await registerSecurityHeaders(scope);
      if (adminToken === undefined) (await import('./off.js')).registerConsoleOff(scope);
      else await (await import('./on.js')).registerConsoleOn(scope, deps, adminToken, logger, now);
    },
    { prefix: '/console' },
  );
}
