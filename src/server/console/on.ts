// The console when it is on (ADMIN_TOKEN set): its pages, sign-in, and the
// JSON API under /console/api, every route gated by role (route-roles.ts).
// Loaded by index.ts only then: a service with the console off never loads
// the API, its queries and its helpers (issue 21, memory).
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConsoleQueries } from '../../delivery/store/console-queries.js';
import { SessionTable } from '../../delivery/store/console-sessions.js';
import { RefusalLog } from '../refusal-log.js';
import { registerCurationsApi } from './curations-api.js';
import { registerEditorApi } from './editor-api.js';
import { registerRunsApi } from './runs-api.js';
import { registerWebhooksApi } from './webhooks-api.js';
import { registerVersionsApi, type ConsoleVersions } from './versions-api.js';
import { headOf, versionById, versionId } from '../../delivery/store/curation-versions.js';
import { virtualFile } from '../../versions/library.js';
import { stopRunTx } from '../../delivery/store/stop-run.js';
import { clearSessionCookie, csrfOk, sameOrigin, sessionOf } from './security.js';
import { Sessions, type SignedIn } from './sessions.js';
import { roleAtLeast } from '../../accounts/roles.js';
import { appendAudit } from '../../delivery/store/audit-log.js';
import { registerAccountsApi } from './accounts-api.js';
import type { Audit } from './audit.js';
import { requiredRole, routeKey, ROUTE_ROLES } from './route-roles.js';
import { signInHandler } from './sign-in.js';
import { LANGUAGES, consoleError, isLanguage } from './messages.js';
import { consoleTimeZone } from './time-zone.js';
import { accountById, setAccountLanguage } from '../../delivery/store/accounts.js';
import { Assets, chartJsFile, codemirrorBundleFile, staticDir } from './static.js';
import type { ConsoleDeps } from './index.js';

const SESSION = Symbol('consoleSession');
type WithSession = FastifyRequest & { [SESSION]?: SignedIn };

/** The console's routes under /console (the scope), its security headers already registered. */
export async function registerConsoleOn(scope: FastifyInstance, deps: ConsoleDeps, adminToken: string, logger: Logger, now: () => number): Promise<void> {
  await scope.register(cookie);
  const sessions = new Sessions({ now, backend: new SessionTable(deps.store.db) });
  const refusedSignIns = new RefusalLog({
    logger,
    message: 'console: sign-in refused',
    what: 'console sign-ins refused (wrong admin token)',
    now,
    ...(deps.schedule ? { schedule: deps.schedule } : {}),
  });
  scope.addHook('onClose', (_scope, done) => {
    refusedSignIns.flush();
    done();
  });
  const assets = new Assets(staticDir(), { 'chart.umd.min.js': chartJsFile(), 'codemirror.js': codemirrorBundleFile() });
  const queries = new ConsoleQueries(deps.store.db);

  const page = async (reply: FastifyReply, name: string) => {
    const a = await assets.get(name);
    if (!a) return reply.code(500).send(consoleError('badRequest.assetMissing', { name }));
    return reply.header('cache-control', 'no-store').type(a.type).send(a.body);
  };

  scope.get('/', async (req, reply) => ((await sessionOf(req, sessions)) ? page(reply, 'index.html') : reply.redirect('/console/login')));
  scope.get('/login', async (req, reply) => ((await sessionOf(req, sessions)) ? reply.redirect('/console/') : page(reply, 'login.html')));

  scope.get('/static/:name', async (req, reply) => {
    const a = await assets.get((req.params as { name: string }).name);
    if (!a) return reply.code(404).send(consoleError('error.notFound'));
    return reply.header('cache-control', 'no-cache').type(a.type).send(a.body);
  });

  scope.post('/login', signInHandler({ store: deps.store, logger, adminToken, sessions, now, refusedSignIns }));

  await scope.register(
    (api, _opts, done) => {
      // Fail closed at start-up too: a route the role table does not name is a bug.
      api.addHook('onRoute', (r) => {
        const key = routeKey(r.method, r.url);
        if (!Object.hasOwn(ROUTE_ROLES, key)) throw new Error(`console API route ${key} has no role in ROUTE_ROLES (src/server/console/route-roles.ts)`);
      });
      api.addHook('onRequest', async (req: WithSession, reply) => {
        reply.header('cache-control', 'no-store');
        const session = await sessionOf(req, sessions);
        if (!session) return reply.code(401).send({ ...consoleError('error.signInFirst'), login: '/console/login' });
        const needs = requiredRole(req);
        if (needs === undefined || !roleAtLeast(session.role, needs)) {
          return reply.code(403).send(needs === undefined ? consoleError('error.noRole') : consoleError('error.needsRole', { needs, role: session.role }));
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          if (!sameOrigin(req)) return reply.code(403).send(consoleError('error.crossSite'));
          if (!csrfOk(req, session)) return reply.code(403).send(consoleError('error.csrf'));
        }
        req[SESSION] = session;
      });
      const current = (req: FastifyRequest): SignedIn => {
        const s = (req as WithSession)[SESSION];
        if (!s) throw new Error('console: route reached without a session');
        return s;
      };

      api.get('/session', async (req, reply) => {
        const s = current(req);
        const account = s.accountId === null ? null : await accountById(deps.store.db, s.accountId);
        return reply.send({
          operatorId: s.operatorId,
          csrf: s.csrf,
          database: deps.store.dialect,
          name: s.actor,
          role: s.role,
          breakGlass: s.accountId === null,
          language: account?.language ?? null,
          timeZone: consoleTimeZone(deps.curations()),
        });
      });
      // The operator's language switch: kept on the account; a break-glass session has none, so the page keeps it in the browser.
      api.put('/session/language', async (req, reply) => {
        const s = current(req);
        const language = (req.body as { language?: unknown } | undefined)?.language;
        if (language !== null && !isLanguage(language)) return reply.code(400).send(consoleError('error.badLanguage', { languages: LANGUAGES.join(', ') }));
        if (s.accountId === null) return { ok: true, language, remembered: 'browser' };
        await setAccountLanguage(deps.store.db, s.accountId, language, now());
        return { ok: true, language, remembered: 'account' };
      });
      api.post('/logout', async (req, reply) => {
        const s = current(req);
        await sessions.destroy(s.id);
        clearSessionCookie(req, reply);
        logger.info({ operator: s.operatorId }, 'console: operator signed out');
        return { ok: true };
      });
      const audit: Audit = async (req, action, target, details) => {
        const s = current(req);
        await appendAudit(deps.store.db, { actorId: s.accountId, actor: s.actor, action, target, details: details ?? {}, address: req.ip }, now());
      };
      registerRunsApi(api, {
        queries,
        logger,
        now,
        sessionOf: current,
        timeZone: () => consoleTimeZone(deps.curations()),
        audit,
        stopRun: (runId, reason) => deps.store.db.transaction().execute((trx) => stopRunTx(trx, runId, reason, now(), deps.store.timing)),
        curationOfRun: async (run) => (run.curation_version !== null && deps.versions ? deps.versions.library.forVersion(run.curation_version) : deps.curations().byId(run.curation_id)),
      });
      registerCurationsApi(api, { curations: deps.curations, reloadCurations: deps.reloadCurations, logger, now, sessionOf: current });
      const versions = deps.versions;
      registerEditorApi(api, {
        curations: deps.curations,
        queries,
        now,
        ...(versions ? { liveSource: (id: string) => liveSource(versions, id) } : {}),
      });
      if (versions) registerVersionsApi(api, { versions, queries, logger, sessionOf: current, audit });
      registerWebhooksApi(api, { webhooks: deps.webhooks, logger, sessionOf: current, audit });
      registerAccountsApi(api, { store: deps.store, logger, now, signedIn: current });
      api.all('/*', (_req, reply) => reply.code(404).send(consoleError('error.noSuchApi')));
      done();
    },
    { prefix: '/api' },
  );
}

/** The text of a curation's live version, as the editor opens it. */
async function liveSource(v: ConsoleVersions, id: string): Promise<{ source: string; file: string; version: number; owner: string } | null> {
  const scope = v.scopeOf(id);
  const db = v.library.database;
  const head = await headOf(db, scope, id);
  if (!head || head.live_version === null) return null;
  const row = await versionById(db, versionId(scope, id, head.live_version));
  return row ? { source: row.source, file: row.file ?? virtualFile(scope, id), version: row.version, owner: head.owner } : null;
}
