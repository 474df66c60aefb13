// Browser-facing protections for everything under /console: strict security
// headers, the session cookie, and the checks every write must pass (session,
// CSRF token, same origin).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret, type Session, type Sessions } from './sessions.js';

export const COOKIE = 'curation_console';
export const CSRF_HEADER = 'x-csrf-token';

// Scripts and styles only from our own files: no inline code, no eval, so an
// injected string can never run even if a renderer had a bug.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, session: Session): void {
  reply.setCookie(COOKIE, session.id, {
    path: '/console',
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(COOKIE, { path: '/console', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
}

export function sessionOf(req: FastifyRequest, sessions: Sessions): Promise<Session | null> {
  return sessions.get(req.cookies[COOKIE]);
}

/**
 * A write from another site is refused even before the CSRF token is looked
 * at. The Origin's host is compared (not its scheme), so a TLS-terminating
 * proxy in front does not break the console.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
}

export function csrfOk(req: FastifyRequest, session: Session): boolean {
  return sameSecret(req.headers[CSRF_HEADER], session.csrf);
}
