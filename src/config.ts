// The only place that reads the environment. Everything else receives a
// validated Config, so a typo in a variable fails at start-up with one line
// that names it, never halfway through a customer's sequence.
import { readFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ChannelsFileError, loadChannelsFile, type ChannelConfig } from './channels.js';
import { LEASE_MARGIN_MS } from './delivery/backoff.js';
import { chatTiming, DEFAULT_PARK_AFTER_SECONDS, type ChatTiming } from './delivery/chat-timing.js';
import { DEFAULT_IMPACT_RUNS } from './versions/impact.js';
import { webhookUrlProblem } from './webhook/setup-plan.js';

export type Env = Record<string, string | undefined>;

/**
 * The largest webhook body accepted, by default (BODY_LIMIT_KB). The largest
 * delivery Channel Talk plausibly sends is 85 KB (test/support/largest-delivery.ts);
 * real ones are 1 to 4 KB. See README, "Limits on what comes in".
 */
export const DEFAULT_BODY_LIMIT_KB = 128;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const intIn = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number between ${min} and ${max}` })
    .int({ error: `must be a whole number between ${min} and ${max}` })
    .min(min, { error: `must be a whole number between ${min} and ${max}` })
    .max(max, { error: `must be a whole number between ${min} and ${max}` });

/** 0 (off), or a period in seconds no shorter than `min`. */
const periodOrOff = (min: number, max: number) => {
  const error = `must be 0 (off) or a whole number of seconds from ${min} to ${max}`;
  return z.coerce
    .number({ error })
    .int({ error })
    .refine((v) => v === 0 || (v >= min && v <= max), { error });
};

const publicWebhookUrl = z.string().trim().superRefine((v, ctx) => {
  const problem = webhookUrlProblem(v);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** What Fastify's trustProxy takes: off, every hop, a hop count, or the proxies' addresses. */
export type TrustProxy = boolean | number | string[];

const TRUST_PROXY_HELP =
  "must be true, false, a number of proxy hops (e.g. 1), or comma-separated proxy addresses or CIDR ranges (e.g. 10.0.0.0/8,::1; also loopback, linklocal, uniquelocal)";
// Names proxy-addr (Fastify's trustProxy) knows for the private ranges.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function proxyEntryOk(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [addr = '', prefix, extra] = entry.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const trustProxy = z.string().transform((raw, ctx): TrustProxy => {
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops <= 100) return hops;
  }
  const entries = v.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  const bad = entries.find((e) => !proxyEntryOk(e));
  if (entries.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${TRUST_PROXY_HELP}${bad === undefined ? '' : `; '${bad.slice(0, 60)}' is none of these`}` });
    return z.NEVER;
  }
  return entries;
});

const EnvSchema = z.object({
  // Required unless CHANNELS_FILE describes the channels (checked below).
  CHANNELTALK_ACCESS_KEY: z.string().trim().min(1).optional(),
  CHANNELTALK_ACCESS_SECRET: z.string().trim().min(1).optional(),
  CHANNELS_FILE: z.string().trim().min(1).optional(),
  CHANNELTALK_WEBHOOK_TOKEN: z.string().trim().optional(),
  ALLOW_UNVERIFIED_WEBHOOKS: boolFlag.default(false),
  CHANNELTALK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.channel.io' })
    .default('https://api.channel.io'),
  CHANNELTALK_BOT_NAME: z.string().trim().min(1).optional(),
  CHANNELTALK_TIMEOUT_MS: intIn(100, 120_000).default(10_000),
  PORT: intIn(0, 65535).default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, {
      error: 'must start with sqlite: (e.g. sqlite:./data/curation.db) or postgres:// (e.g. postgres://user:pass@host/db)',
    })
    .default('sqlite:./data/curation.db'),
  CURATIONS_DIR: z.string().trim().min(1).default('./curations'),
  DELAY_SCALE: z.coerce
    .number({ error: 'must be a number: 1 in production, 0 to send without waits' })
    .min(0, { error: 'must be 0 or more: 1 in production, 0 to send without waits' })
    .max(100, { error: 'must be at most 100' })
    .default(1),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).default('json'),
  SEND_MAX_AGE_MINUTES: intIn(1, 7 * 24 * 60).default(60),
  // A wait longer than this parks its run (chat-timing.ts); 0 parks every wait.
  PARK_AFTER_SECONDS: z.coerce
    .number({ error: `must be a number of seconds: ${DEFAULT_PARK_AFTER_SECONDS} by default` })
    .min(0, { error: 'must be 0 or more seconds' })
    .max(7 * 24 * 3600, { error: 'must be at most 604800 seconds (7 days)' })
    .default(DEFAULT_PARK_AFTER_SECONDS),
  // 0: read the chat before every message.
  TAKEOVER_CHECK_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds: 5 by default, 0 to read the chat before every message' })
    .min(0, { error: 'must be 0 or more seconds' })
    .max(3600, { error: 'must be at most 3600 seconds' })
    .default(5),
  SHUTDOWN_GRACE_MS: intIn(0, 120_000).default(10_000),
  CLAIM_LEASE_SECONDS: intIn(5, 3600).default(30),
  RETENTION_DAYS: intIn(1, 3650).default(30),
  AUDIT_RETENTION_DAYS: intIn(1, 3650).default(365),
  WEBHOOK_RATE_LIMIT: intIn(0, 1_000_000).default(0),
  BODY_LIMIT_KB: intIn(1, 10_240).default(DEFAULT_BODY_LIMIT_KB),
  INSTANCE_ID: z.string().trim().min(1).optional(),
  STATE_DIR: z.string().trim().min(1).optional(),
  // 0: wait for an unreachable database at start-up as long as it takes.
  DATABASE_WAIT_SECONDS: intIn(0, 30 * 86_400).default(0),
  ADMIN_TOKEN: z.string().trim().min(12, { error: 'must be at least 12 characters: it guards the console' }).optional(),
  METRICS_TOKEN: z.string().trim().min(12, { error: 'must be at least 12 characters: it guards /metrics' }).optional(),
  RECORD_DIR: z.string().trim().min(1).optional(),
  RECORD_REDACT: boolFlag.default(true),
  TRUST_PROXY: trustProxy.default(false),
  PUBLIC_WEBHOOK_URL: publicWebhookUrl.optional(),
  WEBHOOK_HEALTH_INTERVAL_SECONDS: periodOrOff(30, 86_400).default(300),
  SWEEP_INTERVAL_SECONDS: periodOrOff(30, 86_400).default(300),
  SWEEP_OVERLAP_SECONDS: intIn(0, 3600).default(120),
  SWEEP_MAX_AGE_MINUTES: intIn(1, 7 * 24 * 60).default(60),
  // The bounds of a curation's own `fallback.ask.wait` (curation/ask.ts): 1 minute to 30 days.
  ANSWER_WAIT_MINUTES: intIn(1, 30 * 24 * 60).default(24 * 60),
  // A submitted form sends no webhook: while a run waits, the customer's profile is read, first after this, then twice as long each time.
  ANSWER_POLL_SECONDS: intIn(1, 3600).default(20),
  ANSWER_POLL_MAX_SECONDS: intIn(1, 86_400).default(600),
  // "What would change" before a Publish: how many of the curation's last runs are replayed.
  IMPACT_RUNS: intIn(1, 1000).default(DEFAULT_IMPACT_RUNS),
});

export interface Config {
  channelTalk: {
    apiUrl: string;
    /** Per request; a timed-out send is retried with the same requestId. */
    timeoutMs: number;
  };
  /**
   * The channels served: from CHANNELS_FILE, or one channel built from the
   * CHANNELTALK_* variables that accepts deliveries of any channel id. Its
   * webhookTokens are empty when ALLOW_UNVERIFIED_WEBHOOKS=true and no token is set.
   */
  channels: ChannelConfig[];
  allowUnverifiedWebhooks: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  curationsDir: string;
  /** DELAY_SCALE, and PARK_AFTER_SECONDS: a wait longer than it parks the run instead of holding the chat. */
  timing: ChatTiming;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'json' | 'pretty';
  /** How long a message may keep failing transiently before it is given up. */
  sendMaxAgeMs: number;
  /** A chat read (the takeover check before a message) this recent is not read again. */
  takeoverCheckMs: number;
  shutdownGraceMs: number;
  /** How long a claimed message is protected from other instances; a crashed instance's claims expire after it. */
  claimLeaseMs: number;
  /** Finished runs and old events are deleted after this many days. */
  retentionDays: number;
  /** Audit log rows are deleted after this many days. */
  auditRetentionDays: number;
  /** Webhook requests per minute per IP; 0 = off. */
  webhookRateLimitPerMinute: number;
  bodyLimitBytes: number;
  instanceId: string | undefined;
  /** Where the instance keeps what outlives a process (its identity's seed): STATE_DIR, else the SQLite file's directory, else ./data. */
  stateDir: string;
  /** How long start-up waits for an unreachable database before it gives up; null: as long as it takes. */
  databaseWaitMs: number | null;
  /** The console's login secret; without it the console is off. */
  adminToken: string | undefined;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** When set, raw deliveries are recorded there as files, for replay. */
  recordDir: string | undefined;
  /** Whether recorded deliveries have profile values and message texts masked. */
  recordRedact: boolean;
  /**
   * Which X-Forwarded-For/-Proto/-Host senders are believed (Fastify's
   * trustProxy): the client address the sign-in throttle and logs see, and
   * whether a request came over HTTPS (Secure cookie, HSTS). Off by default.
   */
  trustProxy: TrustProxy;
  /** Our webhook in Channel Talk: where `curation setup` registers it, how often its health is read, the missed-delivery sweep. */
  webhook: WebhookConfig;
  /** How long a run that asked in the chat for missing answers waits for them, when its curation gives no `fallback.ask.wait`. */
  answerWaitMs: number;
  /** While a run waits for its answer: the first interval between profile reads, doubled after each read up to capMs. */
  answerPoll: { firstMs: number; capMs: number };
  /** IMPACT_RUNS: the runs "what would change" replays before a Publish. */
  impactRuns: number;
}

export interface WebhookConfig {
  /** The URL registered in Channel Talk (no token in it); setup's default and how the health check finds ours. */
  publicUrl: string | undefined;
  /** How often the webhook is read for a block; 0 = never. */
  healthIntervalMs: number;
  /** How often opened chats are swept for missed deliveries; 0 = the sweep is off (also on start and after a block). */
  sweepIntervalMs: number;
  /** How far before the last covered point a sweep looks again (clock skew, chats listed late). */
  sweepOverlapMs: number;
  /** Chats opened longer ago than this are never recovered. */
  sweepMaxAgeMs: number;
}

export interface LoadConfigOptions {
  /**
   * false for commands that talk to the API but take no webhooks (`curation
   * setup`, which is where the token comes from): a missing
   * CHANNELTALK_WEBHOOK_TOKEN is then no error. Verification stays on.
   */
  requireWebhookToken?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Merges an optional .env file under the real environment (the environment wins). */
export function envWithDotenv(env: Env, cwd: string): Env {
  const file = path.resolve(cwd, '.env');
  if (!existsSync(file)) return env;
  return { ...parseDotenv(readFileSync(file)), ...env };
}

export function loadConfig(env: Env, cwd = process.cwd(), opts: LoadConfigOptions = {}): Config {
  // Blank values count as unset, so `FOO=` in a .env file means "default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `config: ${String(i.path[0] ?? '?')} ${i.message}`);
    throw new ConfigError([...new Set(lines)]);
  }
  const e = parsed.data;
  const leaseProblem = leaseTooShort(e.CLAIM_LEASE_SECONDS, e.CHANNELTALK_TIMEOUT_MS);
  if (leaseProblem) throw new ConfigError([leaseProblem]);
  if (e.ANSWER_POLL_MAX_SECONDS < e.ANSWER_POLL_SECONDS) {
    throw new ConfigError([
      `config: ANSWER_POLL_MAX_SECONDS (${e.ANSWER_POLL_MAX_SECONDS}) must be at least ANSWER_POLL_SECONDS (${e.ANSWER_POLL_SECONDS}): it caps the interval between profile reads, which starts at ANSWER_POLL_SECONDS`,
    ]);
  }
  const curationsDir = path.resolve(cwd, e.CURATIONS_DIR);
  return {
    channelTalk: {
      apiUrl: e.CHANNELTALK_API_URL.replace(/\/+$/, ''),
      timeoutMs: e.CHANNELTALK_TIMEOUT_MS,
    },
    channels: e.CHANNELS_FILE ? channelsFromFile(path.resolve(cwd, e.CHANNELS_FILE), cleaned) : [singleChannel(e, curationsDir, opts.requireWebhookToken ?? true)],
    allowUnverifiedWebhooks: e.ALLOW_UNVERIFIED_WEBHOOKS,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: resolveSqlitePath(e.DATABASE_URL, cwd),
    curationsDir,
    timing: chatTiming(e.DELAY_SCALE, Math.round(e.PARK_AFTER_SECONDS * 1000)),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    sendMaxAgeMs: e.SEND_MAX_AGE_MINUTES * 60_000,
    takeoverCheckMs: Math.round(e.TAKEOVER_CHECK_SECONDS * 1000),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    claimLeaseMs: e.CLAIM_LEASE_SECONDS * 1000,
    retentionDays: e.RETENTION_DAYS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    webhookRateLimitPerMinute: e.WEBHOOK_RATE_LIMIT,
    bodyLimitBytes: e.BODY_LIMIT_KB * 1024,
    instanceId: e.INSTANCE_ID,
    stateDir: stateDirOf(e.STATE_DIR, resolveSqlitePath(e.DATABASE_URL, cwd), cwd),
    databaseWaitMs: e.DATABASE_WAIT_SECONDS === 0 ? null : e.DATABASE_WAIT_SECONDS * 1000,
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    recordDir: e.RECORD_DIR ? path.resolve(cwd, e.RECORD_DIR) : undefined,
    recordRedact: e.RECORD_REDACT,
    trustProxy: e.TRUST_PROXY,
    webhook: {
      publicUrl: e.PUBLIC_WEBHOOK_URL,
      healthIntervalMs: e.WEBHOOK_HEALTH_INTERVAL_SECONDS * 1000,
      sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
      sweepOverlapMs: e.SWEEP_OVERLAP_SECONDS * 1000,
      sweepMaxAgeMs: e.SWEEP_MAX_AGE_MINUTES * 60_000,
    },
    answerWaitMs: e.ANSWER_WAIT_MINUTES * 60_000,
    answerPoll: { firstMs: e.ANSWER_POLL_SECONDS * 1000, capMs: e.ANSWER_POLL_MAX_SECONDS * 1000 },
    impactRuns: e.IMPACT_RUNS,
  };
}

/** A lease must outlast the longest attempt, or a slow request's work is taken over by another instance and done twice. */
function leaseTooShort(leaseSeconds: number, timeoutMs: number): string | null {
  if (leaseSeconds * 1000 > timeoutMs + LEASE_MARGIN_MS) return null;
  const minLease = Math.floor((timeoutMs + LEASE_MARGIN_MS) / 1000) + 1;
  const maxTimeout = leaseSeconds * 1000 - LEASE_MARGIN_MS - 1;
  return (
    `config: CLAIM_LEASE_SECONDS (${leaseSeconds}) must be longer than CHANNELTALK_TIMEOUT_MS (${timeoutMs}) plus ${LEASE_MARGIN_MS / 1000} s, ` +
    `or a slow request would outlive its claim and another instance would send it again: ` +
    `raise CLAIM_LEASE_SECONDS to at least ${minLease}, or lower CHANNELTALK_TIMEOUT_MS to at most ${maxTimeout}`
  );
}

function singleChannel(e: z.infer<typeof EnvSchema>, curationsDir: string, requireToken: boolean): ChannelConfig {
  const missing = [
    e.CHANNELTALK_ACCESS_KEY ? null : 'config: CHANNELTALK_ACCESS_KEY is required: set it to the access key from the desk (Settings > API key)',
    e.CHANNELTALK_ACCESS_SECRET ? null : 'config: CHANNELTALK_ACCESS_SECRET is required: set it to the access secret from the desk (Settings > API key)',
  ].filter((l): l is string => l !== null);
  const tokens = (e.CHANNELTALK_WEBHOOK_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (tokens.length === 0 && !e.ALLOW_UNVERIFIED_WEBHOOKS && requireToken) {
    missing.push(
      'config: CHANNELTALK_WEBHOOK_TOKEN is required: copy the token of the webhook from the desk (Settings > Webhook), or set ALLOW_UNVERIFIED_WEBHOOKS=true for local trials only',
    );
  }
  if (missing.length > 0) throw new ConfigError(missing);
  return {
    name: 'default',
    channelId: null,
    accessKey: e.CHANNELTALK_ACCESS_KEY ?? '',
    accessSecret: e.CHANNELTALK_ACCESS_SECRET ?? '',
    webhookTokens: tokens,
    botName: e.CHANNELTALK_BOT_NAME,
    curationsDir,
  };
}

function channelsFromFile(file: string, env: Env): ChannelConfig[] {
  try {
    return loadChannelsFile(file, env);
  } catch (err) {
    if (err instanceof ChannelsFileError) throw new ConfigError(err.lines.map((l) => `config: CHANNELS_FILE ${l}`));
    throw err;
  }
}

function resolveSqlitePath(url: string, cwd: string): string {
  if (!url.startsWith('sqlite:')) return url;
  const file = url.slice('sqlite:'.length);
  if (file === ':memory:') return url;
  return `sqlite:${path.resolve(cwd, file)}`;
}

function stateDirOf(configured: string | undefined, databaseUrl: string, cwd: string): string {
  if (configured) return path.resolve(cwd, configured);
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : ':memory:';
  return file === ':memory:' ? path.resolve(cwd, 'data') : path.dirname(file);
}

/** For commands that only need the curations (check, preview): no secrets required. */
export function curationsDir(env: Env, cwd: string): string {
  return path.resolve(cwd, env.CURATIONS_DIR?.trim() || './curations');
}
