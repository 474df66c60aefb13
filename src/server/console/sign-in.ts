// POST /console/login: an account's name and password, or the ADMIN_TOKEN
// (break-glass, an admin of no account). Failures are throttled per address
// (with the all-address ceiling) and per account name; every sign-in and
// every failure that got past the throttle is in the audit log. Neither the
// password nor the token is ever logged or recorded.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { dummyHash, needsRehash, hashPassword, verifyPassword } from '../../accounts/passwords.js';
import { ACCOUNT_NAME, BREAK_GLASS, isRole } from '../../accounts/roles.js';
import { accountByName, rehashPassword, type Account } from '../../delivery/store/accounts.js';
import { appendAudit, type AuditEntry } from '../../delivery/store/audit-log.js';
import type { Store } from '../../delivery/store/store.js';
import type { RefusalLog } from '../refusal-log.js';
import { tokenMatches } from '../token.js';
import { consoleError } from './messages.js';
import { sameOrigin, setSessionCookie } from './security.js';
import { BREAK_GLASS_OWNER, LoginThrottle, throttleKey, type SessionOwner, type Sessions } from './sessions.js';

export interface SignInDeps {
  store: Store;
  logger: Logger;
  adminToken: string;
  sessions: Sessions;
  now: () => number;
  refusedSignIns: RefusalLog;
}

const routeOfLogin = '/console/login';

export function signInHandler(deps: SignInDeps) {
  const { logger, now } = deps;
  const byAddress = new LoginThrottle(now);
  // The all-address ceiling is counted once, by the address throttle.
  const byAccount = new LoginThrottle(now, 10, 15 * 60_000, { maxGlobalFailures: Number.POSITIVE_INFINITY });
  const audit = (e: AuditEntry) => appendAudit(deps.store.db, e, now());

  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!sameOrigin(req)) return reply.code(403).send(consoleError('error.crossSite'));
    const body = (req.body ?? {}) as { token?: unknown; name?: unknown; password?: unknown };
    const breakGlass = body.name === undefined && body.token !== undefined;
    const name = typeof body.name === 'string' && ACCOUNT_NAME.test(body.name) ? body.name : null;
    const addressKey = throttleKey(req.ip);
    const accountKey = name === null ? null : `account:${name.toLowerCase()}`;
    const wait = Math.max(byAddress.blockedFor(addressKey), accountKey ? byAccount.blockedFor(accountKey) : 0);
    if (wait > 0) {
      return reply.code(429).header('retry-after', String(Math.ceil(wait / 1000))).send(consoleError('error.tooManySignIns'));
    }
    const { owner, known } = breakGlass ? { owner: tokenMatches(body.token, [deps.adminToken]) ? BREAK_GLASS_OWNER : null, known: null } : await accountOwner(deps, name, body.password);
    if (!owner) {
      byAddress.fail(addressKey);
      if (accountKey) byAccount.fail(accountKey);
      deps.refusedSignIns.refused(routeOfLogin, req.ip);
      // Logged once per window at most: the ceiling stops the failures that would repeat it.
      if (byAddress.globallyBlocked()) logger.warn({ waitSeconds: Math.ceil(byAddress.blockedFor(addressKey) / 1000) }, 'console: sign-in paused for every address: too many failed sign-ins from all addresses together');
      // Only an account's own name is recorded: an unknown one may be a password typed in the wrong box.
      await audit({ actorId: known?.id ?? null, actor: breakGlass ? BREAK_GLASS : (known?.name ?? '(unknown name)'), action: 'sign_in.failed', details: { method: breakGlass ? 'admin token' : 'password' }, address: req.ip });
      return reply.code(401).send(consoleError(breakGlass ? 'error.wrongAdminToken' : 'error.wrongNameOrPassword'));
    }
    byAddress.succeed(addressKey);
    if (accountKey) byAccount.succeed(accountKey);
    const session = await deps.sessions.create(owner);
    await audit({ actorId: owner.accountId, actor: owner.actor, action: 'sign_in', details: { method: breakGlass ? 'admin token' : 'password', role: owner.role }, address: req.ip });
    setSessionCookie(req, reply, session);
    if (breakGlass) logger.warn({ operator: session.operatorId, ip: req.ip, breakGlass: true }, 'console: operator signed in');
    else logger.info({ operator: session.operatorId, accountId: owner.accountId, role: owner.role, ip: req.ip }, 'console: operator signed in');
    return reply.header('cache-control', 'no-store').send({ ok: true, role: owner.role });
  };
}

/** The owner of a session for this name and password; null when either is wrong or the account is disabled. The same scrypt work is done for an unknown name. */
async function accountOwner(deps: SignInDeps, name: string | null, password: unknown): Promise<{ owner: SessionOwner | null; known: Account | null }> {
  const account = name === null ? null : await accountByName(deps.store.db, name);
  const given = typeof password === 'string' && password.length <= 1024 ? password : '';
  const ok = await verifyPassword(given, account?.passwordHash ?? (await dummyHash()));
  if (!account || !ok || account.disabled || !isRole(account.role) || given === '') return { owner: null, known: account };
  if (needsRehash(account.passwordHash)) await rehashPassword(deps.store.db, account.id, account.passwordHash, await hashPassword(given));
  return { owner: { accountId: account.id, role: account.role, actor: account.name }, known: account };
}
