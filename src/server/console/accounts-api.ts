// Admin-only: the accounts (list, create, disable and enable, a new
// password, a new role) and the audit log (filtered list, CSV export). The
// role table (route-roles.ts) keeps everyone else out. Account changes are
// written with their audit row in one transaction by the store.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { hashPassword, passwordWords } from '../../accounts/passwords.js';
import { ACCOUNT_NAME, ROLES, isRole } from '../../accounts/roles.js';
import { changeAccount, createAccount, listAccounts, type Account, type Actor, type ChangeResult } from '../../delivery/store/accounts.js';
import { AUDIT_ACTIONS, listAudit, type AuditFilter } from '../../delivery/store/audit-log.js';
import type { Store } from '../../delivery/store/store.js';
import { toCsv } from './csv.js';
import { consoleError, type ConsoleError } from './messages.js';
import type { SignedIn } from './sessions.js';

export interface AccountsApiDeps {
  store: Store;
  logger: Logger;
  now: () => number;
  signedIn: (req: FastifyRequest) => SignedIn;
}

/** Never the hash. */
const view = (a: Account) => ({ id: a.id, name: a.name, role: a.role, disabled: a.disabled, language: a.language, createdAt: a.createdAt, updatedAt: a.updatedAt });

export function registerAccountsApi(api: FastifyInstance, deps: AccountsApiDeps): void {
  const db = deps.store.db;
  const actor = (req: FastifyRequest): Actor => {
    const s = deps.signedIn(req);
    return { actorId: s.accountId, actor: s.actor, address: req.ip };
  };
  const answer = (reply: FastifyReply, r: ChangeResult, what: string, req: FastifyRequest) => {
    if (!r.ok) return r.reason === 'last admin' ? reply.code(409).send(consoleError('error.lastAdmin')) : reply.code(404).send(consoleError('error.noSuchAccount'));
    deps.logger.info({ operator: deps.signedIn(req).operatorId, accountId: r.account.id, sessionsEnded: r.sessionsEnded }, `console: account ${what}`);
    return { ok: true, account: view(r.account), sessionsEnded: r.sessionsEnded };
  };
  const nameOf = (req: FastifyRequest) => (req.params as { name: string }).name;

  api.get('/accounts', async () => ({ accounts: (await listAccounts(db)).map(view), roles: ROLES }));

  api.post('/accounts', async (req, reply) => {
    const b = (req.body ?? {}) as { name?: unknown; role?: unknown; password?: unknown };
    if (typeof b.name !== 'string' || !ACCOUNT_NAME.test(b.name)) return reply.code(400).send(consoleError('error.nameRule'));
    if (!isRole(b.role)) return reply.code(400).send(consoleError('error.roleOneOf', { roles: ROLES.join(', ') }));
    const problem = passwordWords(b.password);
    if (problem) return reply.code(400).send(consoleError(problem.code, problem.params));
    const r = await createAccount(db, { name: b.name, role: b.role, passwordHash: await hashPassword(b.password as string) }, actor(req), deps.now());
    if (!r.ok) return reply.code(409).send(consoleError('error.accountExists', { name: b.name }));
    deps.logger.info({ operator: deps.signedIn(req).operatorId, accountId: r.account.id, role: r.account.role }, 'console: account created');
    return { ok: true, account: view(r.account) };
  });

  api.post('/accounts/:name/disable', async (req, reply) => answer(reply, await changeAccount(db, nameOf(req), { kind: 'disabled', disabled: true }, actor(req), deps.now()), 'disabled', req));
  api.post('/accounts/:name/enable', async (req, reply) => answer(reply, await changeAccount(db, nameOf(req), { kind: 'disabled', disabled: false }, actor(req), deps.now()), 'enabled', req));

  api.post('/accounts/:name/password', async (req, reply) => {
    const password = (req.body as { password?: unknown } | undefined)?.password;
    const problem = passwordWords(password);
    if (problem) return reply.code(400).send(consoleError(problem.code, problem.params));
    return answer(reply, await changeAccount(db, nameOf(req), { kind: 'password', passwordHash: await hashPassword(password as string) }, actor(req), deps.now()), 'password reset', req);
  });

  api.post('/accounts/:name/role', async (req, reply) => {
    const role = (req.body as { role?: unknown } | undefined)?.role;
    if (!isRole(role)) return reply.code(400).send(consoleError('error.roleOneOf', { roles: ROLES.join(', ') }));
    return answer(reply, await changeAccount(db, nameOf(req), { kind: 'role', role }, actor(req), deps.now()), 'role changed', req);
  });

  api.get('/audit', async (req, reply) => {
    const f = auditFilter(req.query);
    if ('refused' in f) return reply.code(400).send(f.refused);
    // The actions the filter offers, by name.
    return { entries: await listAudit(db, f), actions: AUDIT_ACTIONS };
  });

  api.get('/audit.csv', async (req, reply) => {
    const f = auditFilter(req.query);
    if ('refused' in f) return reply.code(400).send(f.refused);
    const rows = await listAudit(db, { ...f, limit: f.limit ?? 10_000 });
    const csv = toCsv(
      ['at', 'actor', 'actor_id', 'action', 'target', 'details', 'address'],
      rows.map((r) => [new Date(r.at).toISOString(), r.actor, r.actorId, r.action, r.target, r.details, r.address]),
    );
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.csv"').send(csv);
  });
}

/** ?action=&actor=&since=&until=&limit= (times: ISO 8601 or ms since the epoch). */
export function auditFilter(query: unknown): AuditFilter | { refused: ConsoleError } {
  const q = (query ?? {}) as Record<string, unknown>;
  const out: AuditFilter = {};
  for (const k of ['action', 'actor', 'since', 'until', 'limit']) {
    const v = q[k];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') return { refused: consoleError('badRequest.repeatedQuery', { name: k }) };
    if (k === 'action' || k === 'actor') out[k] = v.slice(0, 200);
    else if (k === 'limit') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) return { refused: consoleError('badRequest.auditLimit') };
      out.limit = Math.min(n, 10_000);
    } else {
      const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(t)) return { refused: consoleError('badRequest.auditTime', { name: k }) };
      out[k as 'since' | 'until'] = t;
    }
  }
  return out;
}
