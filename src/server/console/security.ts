// Browser-facing protections for everything under /console: strict security
// headers, the session cookie, and the checks every write must pass (session,
// CSRF token, same origin).
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret, type Session, type Sessions, type SignedIn } from './sessions.js';

export const COOKIE = 'curation_console';
export const CSRF_HEADER = 'x-csrf-token';

// helmet's defaults, tightened. Its own CSP defaults are replaced, not merged:
// they allow inline styles and add upgrade-insecure-requests, which would
// break a console served over plain HTTP on a private network.
const HELMET: FastifyHelmetOptions = {
  // Applied per request below, where it is known whether the request came over HTTPS.
  global: false,
  contentSecurityPolicy: {
    useDefaults: false,
    // Scripts and styles only from our own files: no inline code, no eval, so an
    // injected string can never run even if a renderer had a bug.
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
};

// Sent only on a request that came over HTTPS (directly, or from a proxy that
// TRUST_PROXY names): over plain HTTP a browser ignores it anyway, and an HSTS
// pin for a host that has no certificate would lock its operators out.
const HSTS = { maxAge: 31_536_000, includeSubDomains: true };

/** Strict security headers on everything in the scope (the console). */
export async function registerSecurityHeaders(scope: FastifyInstance): Promise<void> {
  await scope.register(helmet, HELMET);
  scope.addHook('onRequest', async (req, reply) => {
    reply.helmet(req.protocol === 'https' ? { strictTransportSecurity: HSTS } : undefined);
    // helmet has no Permissions-Policy.
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  });
}

// Secure whenever the request came over HTTPS: served by this server over TLS,
// or by a TLS-terminating proxy named in TRUST_PROXY (X-Forwarded-Proto).
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

export function sessionOf(req: FastifyRequest, sessions: Sessions): Promise<SignedIn | null> {
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
