// The Channel Talk Open API v5 client. One call() does one logical request:
// pacing (rate-limit headers), a per-attempt timeout, and retries of what may
// succeed later (network, timeout, 429, 5xx). The endpoint helpers are thin
// wrappers around it. Nothing here logs or throws the key, the secret, or any
// request/response body: bodies hold customer data.
import { setTimeout as sleepTimer } from 'node:timers/promises';
import {
  ChannelTalkRejectedError,
  ChannelTalkUnavailableError,
  type ChannelTalkErrorKind,
  type UnavailableReason,
} from './errors.js';
import { messageBodyProblems } from './markup.js';
import { RateLimiter, type RateLimitState } from './rate-limit.js';
import {
  DEFAULT_RETRY_POLICY,
  parseResetEpochMs,
  parseRetryAfterMs,
  resolveRetryPolicy,
  retryDelayMs,
  type RetryPolicy,
} from './retry.js';
import type { MessageBody } from './wire.js';

export type { RetryPolicy } from './retry.js';
export type { RateLimitState } from './rate-limit.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The subset of a pino logger the client uses. */
export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AttemptInfo {
  method: HttpMethod;
  /** Path without query string. */
  path: string;
  /** null when no HTTP answer arrived. */
  status: number | null;
  latencyMs: number;
  /** 'aborted': the caller's own signal cancelled the attempt. */
  errorKind: null | ChannelTalkErrorKind | 'aborted';
  reason?: UnavailableReason | undefined;
  /** 1 for the first attempt of a call. */
  attempt: number;
  /** Epoch ms (from `now`). */
  startedAt: number;
}

export interface ChannelTalkClientOptions {
  /** e.g. https://api.channel.io; the client appends /open/v5. */
  baseUrl: string;
  accessKey: string;
  accessSecret: string;
  /** Default botName for sendMessage/closeChat. */
  botName?: string | undefined;
  fetch?: typeof fetch;
  /** Per attempt, body read included. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onAttempt?: (a: AttemptInfo) => void;
  logger?: ClientLogger;
}

export interface CallRequest {
  method: HttpMethod;
  /** Under /open/v5, starting with '/'; ids already URL-encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export interface CallOptions {
  retry?: false | Partial<RetryPolicy>;
  signal?: AbortSignal;
}

export interface CallResult<T> {
  status: number;
  data: T;
  headers: Headers;
}

export interface ClientStats {
  /** HTTP attempts made. */
  requests: number;
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

export interface ChannelTalkUser extends Record<string, unknown> {
  id: string;
  name?: string;
  profile?: Record<string, unknown>;
  language?: string;
}

const API_PREFIX = '/open/v5';
const API_MESSAGE_MAX = 300;

export class ChannelTalkClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly limiter: RateLimiter;
  private readonly counters = { requests: 0, retries: 0, rateLimited: 0 };

  constructor(private readonly opts: ChannelTalkClientOptions) {
    const trimmed = opts.baseUrl.replace(/\/+$/, '');
    // Tolerate a base URL that already names the API version.
    this.base = trimmed.endsWith(API_PREFIX) ? trimmed : trimmed + API_PREFIX;
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retryPolicy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, opts.retry);
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.limiter = new RateLimiter({ now: this.now, sleep: this.sleep });
  }

  get stats(): ClientStats {
    return { ...this.counters, ...this.limiter.stats };
  }

  rateLimitState(): RateLimitState {
    return this.limiter.state();
  }

  async call<T>(req: CallRequest, opts: CallOptions = {}): Promise<CallResult<T>> {
    const policy = resolveRetryPolicy(this.retryPolicy, opts.retry);
    const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
    const url = this.base + path + queryString(req.query);
    // Serialized once, so every retry sends the very same bytes (requestId included).
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const firstStarted = this.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(req.method, path, url, body, attempt, opts.signal);
      } catch (err) {
        if (err instanceof ChannelTalkRejectedError) {
          err.attempts = attempt;
          throw err;
        }
        if (!(err instanceof ChannelTalkUnavailableError)) throw err;
        err.attempts = attempt;
        const delay = retryDelayMs(err, attempt, policy, this.random);
        const elapsed = this.now() - firstStarted;
        if (attempt >= policy.maxAttempts || elapsed + delay > policy.maxElapsedMs) {
          this.opts.logger?.warn(
            { method: req.method, path: err.path, reason: err.reason, status: err.status, attempts: attempt, retryAfterMs: err.retryAfterMs },
            'channeltalk call gave up',
          );
          throw err;
        }
        this.counters.retries++;
        this.opts.logger?.info(
          { method: req.method, path: err.path, reason: err.reason, status: err.status, attempt, delayMs: delay },
          'channeltalk call will retry',
        );
        await this.sleep(delay, opts.signal);
      }
    }
  }

  async sendMessage(
    userChatId: string,
    body: MessageBody,
    opts: { botName?: string; retry?: false | Partial<RetryPolicy>; signal?: AbortSignal } = {},
  ): Promise<{ messageId: string | null; raw: unknown }> {
    const problems = messageBodyProblems(body);
    if (problems.length > 0) {
      // A programming error upstream (templates, planner): retrying cannot fix it.
      throw new Error(`refusing to send an invalid message body: ${problems.join('; ')}`);
    }
    const res = await this.call<unknown>(
      {
        method: 'POST',
        path: `/user-chats/${encodeURIComponent(userChatId)}/messages`,
        query: { botName: opts.botName ?? this.opts.botName },
        body,
      },
      { retry: opts.retry, signal: opts.signal },
    );
    const message = field(res.data, 'message');
    const id = field(message, 'id');
    return { messageId: typeof id === 'string' ? id : null, raw: res.data };
  }

  async listMessages(
    userChatId: string,
    q: { sortOrder?: 'asc' | 'desc' | 'both'; limit?: number; since?: string } = {},
  ): Promise<{ messages: unknown[]; prev?: string; next?: string }> {
    const res = await this.call<unknown>({
      method: 'GET',
      path: `/user-chats/${encodeURIComponent(userChatId)}/messages`,
      query: { sortOrder: q.sortOrder, limit: q.limit, since: q.since },
    });
    const messages = field(res.data, 'messages');
    const prev = field(res.data, 'prev');
    const next = field(res.data, 'next');
    return {
      messages: Array.isArray(messages) ? (messages as unknown[]) : [],
      ...(typeof prev === 'string' ? { prev } : {}),
      ...(typeof next === 'string' ? { next } : {}),
    };
  }

  async getUser(userId: string): Promise<{ user: ChannelTalkUser; online?: unknown }> {
    const path = `/users/${encodeURIComponent(userId)}`;
    const res = await this.call<unknown>({ method: 'GET', path });
    const user = field(res.data, 'user');
    if (!isRecord(user) || typeof user.id !== 'string') {
      throw new Error(`unexpected answer shape from GET /users/{id}: no user.id`);
    }
    const online = field(res.data, 'online');
    return { user: user as ChannelTalkUser, ...(online !== undefined ? { online } : {}) };
  }

  async patchUserProfile(userId: string, profile: Record<string, unknown>): Promise<unknown> {
    const res = await this.call<unknown>({ method: 'PATCH', path: `/users/${encodeURIComponent(userId)}`, body: { profile } });
    return res.data;
  }

  async closeChat(userChatId: string, botName?: string): Promise<unknown> {
    const name = botName ?? this.opts.botName;
    if (name === undefined || name === '') {
      throw new Error('closeChat needs a botName: pass one or configure the client with botName');
    }
    const res = await this.call<unknown>({
      method: 'PATCH',
      path: `/user-chats/${encodeURIComponent(userChatId)}/close`,
      query: { botName: name },
    });
    return res.data;
  }

  /** The cheap credentials check. */
  async getChannel(): Promise<unknown> {
    const res = await this.call<unknown>({ method: 'GET', path: '/channel' });
    return res.data;
  }

  private async attempt<T>(
    method: HttpMethod,
    path: string,
    url: string,
    body: string | undefined,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<CallResult<T>> {
    const logPath = stripQuery(path);
    await this.limiter.acquire(signal);
    const startedAt = this.now();
    const t0 = performance.now();
    const report = (status: number | null, errorKind: AttemptInfo['errorKind'], reason?: UnavailableReason): number => {
      const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      this.opts.logger?.debug({ method, path: logPath, status, latencyMs, attempt, errorKind, reason }, 'channeltalk attempt');
      try {
        this.opts.onAttempt?.({ method, path: logPath, status, latencyMs, errorKind, reason, attempt, startedAt });
      } catch {
        // An observer must not turn a sent message into a failed one.
      }
      return latencyMs;
    };

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.counters.requests++;
    try {
      let res: Response;
      let text: string;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers: this.headers(),
          body,
          signal: controller.signal,
          // A redirect would carry the key pair to wherever it points.
          redirect: 'manual',
        });
        text = await res.text();
      } catch (cause) {
        if (signal?.aborted && !timedOut) {
          report(null, 'aborted');
          throw signal.reason instanceof Error ? signal.reason : new Error('aborted by caller');
        }
        const reason: UnavailableReason = timedOut ? 'timeout' : 'network';
        report(null, 'unavailable', reason);
        throw new ChannelTalkUnavailableError({ reason, method, path: logPath, cause: timedOut ? undefined : safeCause(cause) });
      }

      const { throttlingAnnounced } = this.limiter.update(res.headers);
      if (throttlingAnnounced) {
        this.opts.logger?.warn(
          { method, path: logPath, status: res.status, limit: res.headers.get('x-ratelimit-limit') },
          'channeltalk announced upcoming rate limiting (x-ratelimit-will-be-throttled)',
        );
      }

      if (res.status >= 200 && res.status < 300) {
        report(res.status, null);
        return { status: res.status, data: parseBody(text) as T, headers: res.headers };
      }
      if (res.status === 429 || res.status >= 500) {
        const err = this.unavailableFromResponse(res, method, logPath);
        report(res.status, 'unavailable', err.reason);
        throw err;
      }
      report(res.status, 'rejected');
      const { code, message } = errorBody(text);
      throw new ChannelTalkRejectedError({
        status: res.status,
        method,
        path: logPath,
        code: code !== undefined ? this.redact(code) : undefined,
        apiMessage: message !== undefined ? this.redact(message).slice(0, API_MESSAGE_MAX) : undefined,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      this.limiter.release();
    }
  }

  private unavailableFromResponse(res: Response, method: HttpMethod, path: string): ChannelTalkUnavailableError {
    const now = this.now();
    let retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), now);
    if (res.status === 429) {
      this.counters.rateLimited++;
      const resetAt = parseResetEpochMs(res.headers.get('x-ratelimit-reset'));
      if (retryAfterMs === undefined && resetAt !== undefined) retryAfterMs = Math.max(0, resetAt - now);
      if (res.headers.get('x-ratelimit-remaining') === null) {
        this.limiter.noteExhausted(now + (retryAfterMs ?? this.retryPolicy.baseDelayMs));
      }
    }
    return new ChannelTalkUnavailableError({
      reason: res.status === 429 ? 'rate_limited' : 'server_error',
      status: res.status,
      method,
      path,
      retryAfterMs,
    });
  }

  private headers(): Record<string, string> {
    return {
      'x-access-key': this.opts.accessKey,
      'x-access-secret': this.opts.accessSecret,
      'content-type': 'application/json',
      accept: 'application/json',
    };
  }

  /** An API that echoes headers back in an error message must not leak them through us. */
  private redact(s: string): string {
    let out = s;
    for (const secret of [this.opts.accessSecret, this.opts.accessKey]) {
      if (secret.length > 0) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepTimer(ms, undefined, signal ? { signal } : undefined);
}

function queryString(query: CallRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) params.append(k, String(v));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The `{message, code}` shape has been seen, never documented: read it if it is there. */
function errorBody(text: string): { code?: string; message?: string } {
  const data = parseBody(text);
  const code = field(data, 'code');
  const message = field(data, 'message');
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/** Keeps a network error's name/code/message, drops anything else it may hold. */
function safeCause(e: unknown): Error | undefined {
  if (!(e instanceof Error)) return undefined;
  const inner = e.cause instanceof Error ? e.cause : undefined;
  const code = inner && 'code' in inner && typeof inner.code === 'string' ? inner.code : undefined;
  const detail = inner ? `${inner.name}${code ? ` ${code}` : ''}: ${inner.message}` : e.message;
  return new Error(detail);
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}
