// The Channel Talk Open API v5 client. call() is one HTTP exchange: a request
// through the transport (transport.ts: node:http(s), or an injected fetch), a
// timeout, and the answer classified into data or a typed error; nothing
// more. Pacing (rate-limit headers) and the optional in-process retry are
// transformers around it, in an ordered list (grammY's API transformers,
// Octokit's retry/throttling plugins): the endpoint helpers go through that
// chain, and all of them take the same CallOptions. Every answer is read with
// a bound (answer-read.ts): one too large or too deep to read fails as
// ChannelTalkUnreadableAnswerError. Nothing here logs or
// throws the key, the secret, or any request/response body: bodies hold
// customer data.
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { MAX_ANSWER_BYTES, MAX_ANSWER_DEPTH, MAX_ERROR_ANSWER_BYTES, nestedDeeperThan, type BoundedRead } from './answer-read.js';
import {
  ChannelTalkRejectedError,
  ChannelTalkUnavailableError,
  ChannelTalkUnreadableAnswerError,
  type ChannelTalkErrorKind,
  type UnavailableReason,
} from './errors.js';
import { messageBodyProblems } from './markup.js';
import { readRateLimitHeaders, type RateLimitState } from './rate-limit.js';
import { RateBudgets, type BudgetReport, type EndpointFamily } from './rate-budgets.js';
import { DEFAULT_RETRY_POLICY, MAX_RESET_WAIT_MS, parseResetEpochMs, parseRetryAfterMs, resolveRetryPolicy, type RetryPolicy } from './retry.js';
import { pacingTransformer } from './transformers/pacing.js';
import { retryTransformer } from './transformers/retry.js';
import { fetchTransport, nodeHttpTransport, type AnswerHeaders, type Transport, type TransportAnswer } from './transport.js';
import { chain, type AttemptOptions, type CallFn, type CallOptions, type CallPriority, type CallRequest, type CallResult, type HttpMethod, type Transformer } from './transformers/types.js';
import type { MessageBody } from './wire.js';
import {
  ListedUserChatSchema,
  ListedUserSchema,
  readAnswer,
  readItems,
  UserChatsViewSchema,
  UserChatViewSchema,
  type UserChatDetail,
  UserEventSchema,
  UserEventsViewSchema,
  UserEventViewSchema,
  WebhooksViewSchema,
  WebhookViewSchema,
  type UserChatPage,
  type UserChatsQuery,
  type UserEvent,
  type UserEventsQuery,
  type Webhook,
  type WebhookBody,
} from './resources.js';

export type { RetryPolicy } from './retry.js';
export type { RateLimitState, RateLimitPhase } from './rate-limit.js';
export type { BudgetKey, BudgetReport, EndpointFamily } from './rate-budgets.js';
export type { AttemptOptions, CallFn, CallOptions, CallPriority, CallRequest, CallResult, HttpMethod, Transformer } from './transformers/types.js';
export type { ListedUser, ListedUserChat, UserChatPage, UserChatsQuery, UserEvent, UserEventsQuery, Webhook, WebhookBody, WebhookScope } from './resources.js';

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
  /** Makes every request through this fetch (tests inject one); without it, node:http(s) (transport.ts). */
  fetch?: typeof fetch;
  /** Per attempt: the pacing wait, the request and the body read together. */
  timeoutMs?: number;
  /** The in-process retry layer's policy; false installs no retry layer at all. */
  retry?: false | Partial<RetryPolicy>;
  /** More layers, installed outside retry and pacing, the first one outermost. */
  transformers?: Transformer[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onAttempt?: (a: AttemptInfo) => void;
  logger?: ClientLogger;
}

/** sendMessage and closeChat speak as a bot; the rest of their options are the common ones. */
export interface BotCallOptions extends CallOptions {
  botName?: string;
}

export interface ClientStats {
  /** HTTP attempts made. */
  requests: number;
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  rateLimitSlowdowns: number;
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
  /** The default per-attempt timeout; a caller with a deadline of its own passes a shorter timeoutMs. */
  readonly timeoutMs: number;
  private readonly base: string;
  private readonly transport: Transport;
  private readonly now: () => number;
  private readonly budgets: RateBudgets;
  private readonly counters = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly run: CallFn;

  constructor(private readonly opts: ChannelTalkClientOptions) {
    const trimmed = opts.baseUrl.replace(/\/+$/, '');
    // Tolerate a base URL that already names the API version.
    this.base = trimmed.endsWith(API_PREFIX) ? trimmed : trimmed + API_PREFIX;
    this.transport = opts.fetch ? fetchTransport(opts.fetch) : nodeHttpTransport;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? defaultSleep;
    this.budgets = new RateBudgets({ now: this.now, sleep });
    // Retry outside pacing: every attempt waits for the budget on its own.
    const retry =
      opts.retry === false
        ? []
        : [
            retryTransformer({
              policy: resolveRetryPolicy(DEFAULT_RETRY_POLICY, opts.retry),
              sleep,
              random: opts.random ?? Math.random,
              now: this.now,
              logger: opts.logger,
              onRetry: () => this.counters.retries++,
            }),
          ];
    const layers = [...(opts.transformers ?? []), ...retry, pacingTransformer(this.budgets, { now: this.now, logger: opts.logger })];
    this.run = chain(layers, (req, o) => this.exchange(req, o));
  }

  get stats(): ClientStats {
    return { ...this.counters, ...this.budgets.stats };
  }

  /** What the pacer knows of one budget: an endpoint family at a priority (live sends unless told; see rate-budgets.ts). */
  rateLimitState(family: EndpointFamily = 'messages', priority: CallPriority = 'live'): RateLimitState {
    return this.budgets.state({ family, priority });
  }

  /** Every budget's state and waits, for the metrics. */
  rateLimitBudgets(): BudgetReport[] {
    return this.budgets.report();
  }

  /** One HTTP exchange, unpaced and never retried: request, timeout, classify. */
  call<T>(req: CallRequest, opts: CallOptions = {}): Promise<CallResult<T>> {
    return this.exchange(req, this.attemptOptions(opts)) as Promise<CallResult<T>>;
  }

  /** A call through the layers (pacing, in-process retry, installed transformers), as every endpoint makes it. */
  request<T>(req: CallRequest, opts: CallOptions = {}): Promise<CallResult<T>> {
    return this.run(req, this.attemptOptions(opts)) as Promise<CallResult<T>>;
  }

  async sendMessage(userChatId: string, body: MessageBody, opts: BotCallOptions = {}): Promise<{ messageId: string | null; raw: unknown }> {
    const problems = messageBodyProblems(body);
    if (problems.length > 0) {
      // A programming error upstream (templates, planner): retrying cannot fix it.
      throw new Error(`refusing to send an invalid message body: ${problems.join('; ')}`);
    }
    const { botName, ...callOpts } = opts;
    let res: CallResult<unknown>;
    try {
      res = await this.request<unknown>(
        {
          method: 'POST',
          path: `/user-chats/${encodeURIComponent(userChatId)}/messages`,
          query: { botName: botName ?? this.opts.botName },
          body,
        },
        callOpts,
      );
    } catch (err) {
      // A 2xx means Channel Talk took the message, whatever its answer holds: failing it
      // would skip the rest of the run, and sending it again would not change the answer.
      if (err instanceof ChannelTalkUnreadableAnswerError && err.status >= 200 && err.status < 300) return { messageId: null, raw: null };
      throw err;
    }
    const message = field(res.data, 'message');
    const id = field(message, 'id');
    return { messageId: typeof id === 'string' ? id : null, raw: res.data };
  }

  async listMessages(
    userChatId: string,
    q: { sortOrder?: 'asc' | 'desc' | 'both'; limit?: number; since?: string } = {},
    opts: CallOptions = {},
  ): Promise<{ messages: unknown[]; prev?: string; next?: string }> {
    const res = await this.request<unknown>(
      {
        method: 'GET',
        path: `/user-chats/${encodeURIComponent(userChatId)}/messages`,
        query: { sortOrder: q.sortOrder, limit: q.limit, since: q.since },
      },
      opts,
    );
    const messages = field(res.data, 'messages');
    const prev = field(res.data, 'prev');
    const next = field(res.data, 'next');
    return {
      messages: Array.isArray(messages) ? (messages as unknown[]) : [],
      ...(typeof prev === 'string' ? { prev } : {}),
      ...(typeof next === 'string' ? { next } : {}),
    };
  }

  async getUser(userId: string, opts: CallOptions = {}): Promise<{ user: ChannelTalkUser; online?: unknown }> {
    const res = await this.request<unknown>({ method: 'GET', path: `/users/${encodeURIComponent(userId)}` }, opts);
    const user = field(res.data, 'user');
    if (!isRecord(user) || typeof user.id !== 'string') {
      throw new Error(`unexpected answer shape from GET /users/{id}: no user.id`);
    }
    const online = field(res.data, 'online');
    return { user: user as ChannelTalkUser, ...(online !== undefined ? { online } : {}) };
  }

  async patchUserProfile(userId: string, profile: Record<string, unknown>, opts: CallOptions = {}): Promise<unknown> {
    const res = await this.request<unknown>({ method: 'PATCH', path: `/users/${encodeURIComponent(userId)}`, body: { profile } }, opts);
    return res.data;
  }

  async closeChat(userChatId: string, opts: BotCallOptions = {}): Promise<unknown> {
    const { botName, ...callOpts } = opts;
    const name = botName ?? this.opts.botName;
    if (name === undefined || name === '') {
      throw new Error('closeChat needs a botName: pass one or configure the client with botName');
    }
    const res = await this.request<unknown>(
      { method: 'PATCH', path: `/user-chats/${encodeURIComponent(userChatId)}/close`, query: { botName: name } },
      callOpts,
    );
    return res.data;
  }

  /** One page of the channel's webhooks, newest first; `next` is the `since` of the following page. */
  async listWebhooks(q: { since?: number | undefined; limit?: number } = {}, opts: CallOptions = {}): Promise<{ webhooks: Webhook[]; next?: number }> {
    const res = await this.request<unknown>({ method: 'GET', path: '/webhooks', query: { since: q.since, limit: q.limit } }, opts);
    const view = readAnswer(WebhooksViewSchema, res.data, 'GET /webhooks');
    return { webhooks: view.webhooks, ...(view.next !== undefined ? { next: view.next } : {}) };
  }

  async getWebhook(id: string, opts: CallOptions = {}): Promise<Webhook> {
    const res = await this.request<unknown>({ method: 'GET', path: `/webhooks/${encodeURIComponent(id)}` }, opts);
    return readAnswer(WebhookViewSchema, res.data, 'GET /webhooks/{id}').webhook;
  }

  /** Channel Talk makes the token: read it from the answer. */
  async createWebhook(body: WebhookBody, opts: CallOptions = {}): Promise<Webhook> {
    const res = await this.request<unknown>({ method: 'POST', path: '/webhooks', body }, opts);
    return readAnswer(WebhookViewSchema, res.data, 'POST /webhooks').webhook;
  }

  /** PATCH takes the whole webhook.Webhook (name, url, scopes, apiVersion required); `blocked: false` unblocks. */
  async updateWebhook(id: string, body: WebhookBody, opts: CallOptions = {}): Promise<Webhook> {
    const res = await this.request<unknown>({ method: 'PATCH', path: `/webhooks/${encodeURIComponent(id)}`, body }, opts);
    return readAnswer(WebhookViewSchema, res.data, 'PATCH /webhooks/{id}').webhook;
  }

  /** One chat (the takeover check before each message: state, assigneeId, teamId); the userChats family, live unless told. */
  async getUserChat(userChatId: string, opts: CallOptions = {}): Promise<UserChatDetail> {
    const res = await this.request<unknown>({ method: 'GET', path: `/user-chats/${encodeURIComponent(userChatId)}` }, opts);
    return readAnswer(UserChatViewSchema, res.data, 'GET /user-chats/{id}').userChat;
  }

  /** One page of user chats in a state (the sweep reads `opened`; the order is undocumented, perhaps by last activity); `since` is the previous page's `next`. */
  async listUserChats(q: UserChatsQuery, opts: CallOptions = {}): Promise<UserChatPage> {
    const res = await this.request<unknown>(
      { method: 'GET', path: '/user-chats', query: { state: q.state, sortOrder: q.sortOrder, limit: q.limit, since: q.since } },
      opts,
    );
    const view = readAnswer(UserChatsViewSchema, res.data, 'GET /user-chats');
    const chats = readItems(ListedUserChatSchema, view.userChats);
    return {
      userChats: chats.items,
      users: readItems(ListedUserSchema, view.users).items,
      ...(view.next !== undefined && view.next !== '' ? { next: view.next } : {}),
      unreadable: chats.unreadable,
    };
  }

  /** One page of a user's events (`sortOrder` desc: newest first); `since` is the previous page's `next`. Unreadable items are left out. */
  async listUserEvents(userId: string, q: UserEventsQuery, opts: CallOptions = {}): Promise<{ events: UserEvent[]; next?: string }> {
    const res = await this.request<unknown>(
      { method: 'GET', path: `/users/${encodeURIComponent(userId)}/events`, query: { sortOrder: q.sortOrder, limit: q.limit, since: q.since } },
      opts,
    );
    const view = readAnswer(UserEventsViewSchema, res.data, 'GET /users/{id}/events');
    return { events: readItems(UserEventSchema, view.events).items, ...(view.next !== undefined && view.next !== '' ? { next: view.next } : {}) };
  }

  /** Records a user event (`{name, property}`) for the shop's campaigns and segments. */
  async createUserEvent(userId: string, event: { name: string; property?: Record<string, unknown> }, opts: CallOptions = {}): Promise<UserEvent> {
    const res = await this.request<unknown>({ method: 'POST', path: `/users/${encodeURIComponent(userId)}/events`, body: event }, opts);
    return readAnswer(UserEventViewSchema, res.data, 'POST /users/{id}/events').event;
  }

  /** The cheap credentials check. */
  async getChannel(opts: CallOptions = {}): Promise<unknown> {
    const res = await this.request<unknown>({ method: 'GET', path: '/channel' }, opts);
    return res.data;
  }

  private attemptOptions(opts: CallOptions): AttemptOptions {
    return { ...opts, timeoutMs: opts.timeoutMs ?? this.timeoutMs, attempt: 1 };
  }

  private async exchange(req: CallRequest, opts: AttemptOptions): Promise<CallResult<unknown>> {
    const { method } = req;
    const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
    const url = this.base + path + queryString(req.query);
    const logPath = stripQuery(path);
    const { attempt, signal } = opts;
    const startedAt = this.now();
    const t0 = performance.now();
    const report = (status: number | null, errorKind: AttemptInfo['errorKind'], reason?: UnavailableReason): void => {
      const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      this.opts.logger?.debug({ method, path: logPath, status, latencyMs, attempt, errorKind, reason }, 'channeltalk attempt');
      try {
        this.opts.onAttempt?.({ method, path: logPath, status, latencyMs, errorKind, reason, attempt, startedAt });
      } catch {
        // An observer must not turn a sent message into a failed one.
      }
    };

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.counters.requests++;
    try {
      let res: TransportAnswer;
      let body: BoundedRead;
      try {
        // No redirect is followed (transport.ts): it would carry the key pair to wherever it points.
        res = await this.transport({
          method,
          url,
          headers: this.headers(),
          // The same object serializes to the same bytes on every attempt (requestId included).
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: controller.signal,
        });
        body = await res.read(isSuccess(res.status) ? MAX_ANSWER_BYTES : MAX_ERROR_ANSWER_BYTES);
      } catch (cause) {
        if (signal?.aborted && !timedOut) {
          report(null, 'aborted');
          throw signal.reason instanceof Error ? signal.reason : new Error('aborted by caller');
        }
        const reason: UnavailableReason = timedOut ? 'timeout' : 'network';
        report(null, 'unavailable', reason);
        const err = new ChannelTalkUnavailableError({ reason, method, path: logPath, cause: timedOut ? undefined : safeCause(cause) });
        err.attempts = attempt;
        throw err;
      }
      // Not read whole: the rest is never fetched, and the connection goes with it.
      if ('tooLarge' in body) controller.abort();
      if (isSuccess(res.status)) {
        const data = 'tooLarge' in body ? ANSWER_TOO_LARGE : parseAnswer(body.text);
        if (data === ANSWER_TOO_LARGE || data === ANSWER_TOO_DEEP) {
          const problem = data === ANSWER_TOO_LARGE ? 'too_large' : 'too_deep';
          report(res.status, 'rejected');
          const err = new ChannelTalkUnreadableAnswerError({ problem, status: res.status, method, path: logPath, limit: problem === 'too_large' ? MAX_ANSWER_BYTES : MAX_ANSWER_DEPTH });
          err.attempts = attempt;
          err.rateLimit = readRateLimitHeaders(res.headers);
          throw err;
        }
        report(res.status, null);
        return { status: res.status, data, headers: res.headers };
      }
      // An error answer too large to read is classified by its status alone.
      const err = this.classify(res, 'tooLarge' in body ? '' : body.text, method, logPath);
      report(res.status, err.kind, err instanceof ChannelTalkUnavailableError ? err.reason : undefined);
      err.attempts = attempt;
      err.rateLimit = readRateLimitHeaders(res.headers);
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** An answer that is not 2xx: may succeed later (429, 5xx) or will fail the same way again. */
  private classify(res: { status: number; headers: AnswerHeaders }, text: string, method: HttpMethod, path: string): ChannelTalkUnavailableError | ChannelTalkRejectedError {
    if (res.status === 429 || res.status >= 500) {
      const now = this.now();
      let retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), now);
      if (res.status === 429) {
        this.counters.rateLimited++;
        const resetAt = parseResetEpochMs(res.headers.get('x-ratelimit-reset'));
        // An epoch time on Channel Talk's clock: skew can put it hours off, so it is a short wait at most.
        if (retryAfterMs === undefined && resetAt !== undefined) retryAfterMs = Math.min(MAX_RESET_WAIT_MS, Math.max(0, resetAt - now));
      }
      return new ChannelTalkUnavailableError({
        reason: res.status === 429 ? 'rate_limited' : 'server_error',
        status: res.status,
        method,
        path,
        retryAfterMs,
      });
    }
    const { code, message } = errorBody(text);
    return new ChannelTalkRejectedError({
      status: res.status,
      method,
      path,
      code: code !== undefined ? this.redact(code) : undefined,
      apiMessage: message !== undefined ? this.redact(message).slice(0, API_MESSAGE_MAX) : undefined,
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

/** 2xx, as Response.ok. */
function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
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

const ANSWER_TOO_LARGE = Symbol('answer too large');
const ANSWER_TOO_DEEP = Symbol('answer too deep');

/** A 2xx answer's data: JSON when it parses, else the text; too deep to parse safely, a marker. */
function parseAnswer(text: string): unknown {
  return nestedDeeperThan(text, MAX_ANSWER_DEPTH) ? ANSWER_TOO_DEEP : parseBody(text);
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  // An error answer nested absurdly deep is read as text: only its status counts then.
  if (nestedDeeperThan(text, MAX_ANSWER_DEPTH)) return text;
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
