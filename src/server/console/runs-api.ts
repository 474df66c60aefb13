// Read-only views of what the service did: the overview numbers, the run
// search, one run's timeline, and the logged reveal of a run's answers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { MessageBody } from '../../channeltalk/wire.js';
import { ConsoleQueries, RUN_STATES } from '../../delivery/store/console-queries.js';
import type { RunState } from '../../delivery/store/schema.js';
import { renderBody, type RenderedMessage } from './render-message.js';
import type { Audit } from './audit.js';
import type { StopResult } from '../../delivery/store/stop-run.js';
import { consoleError, type ConsoleError } from './messages.js';
import type { SignedIn } from './sessions.js';
import { roleAtLeast } from '../../accounts/roles.js';
import { deskChatUrl } from '../../channeltalk/desk-link.js';
import { maskName } from './mask-name.js';
import { dayRange } from './time-zone.js';
import { reason as because, reasonWords, type Reason } from '../../curation/reason-words.js';
import type { Curation } from '../../curation/types.js';
import { labelsOf } from './labels.js';

export interface RunsApiDeps {
  queries: ConsoleQueries;
  logger: Logger;
  now: () => number;
  sessionOf: (req: FastifyRequest) => SignedIn;
  /** The channel's time zone (time-zone.ts): a searched day is its day. */
  timeZone: () => string;
  audit: Audit;
  /** Stops one run as a takeover would (store/stop-run.ts); without it the route answers 404. */
  stopRun?: (runId: string, reason: Reason) => Promise<StopResult>;
  /** The curation a run was planned with (its own version; the live one for a run older than versions): its labels word the run's reasons. */
  curationOfRun?: (run: { curation_id: string; curation_version: string | null }) => Promise<Curation | undefined>;
}

type Query = Record<string, string | undefined>;

/** What a viewer gets for each message of a run: that it went, not what it said. */
const MASKED_MESSAGE: RenderedMessage = { blocks: [{ kind: 'text', spans: [{ text: '••••••' }] }], attachments: [], buttons: [], options: [] };

/**
 * The named query parameters as single strings. `?q=a&q=b` parses to an
 * array; rather than guess which one was meant, the request is refused with
 * the name.
 */
function singleQuery(query: unknown, names: readonly string[]): { query: Query } | { refused: ConsoleError } {
  const raw = (query ?? {}) as Record<string, unknown>;
  const out: Query = {};
  for (const name of names) {
    const v = raw[name];
    if (v !== undefined && typeof v !== 'string') return { refused: consoleError('badRequest.repeatedQuery', { name }) };
    out[name] = v;
  }
  return { query: out };
}

const text = (v: string | undefined, max = 200) => (v === undefined || v.trim() === '' ? undefined : v.trim().slice(0, max));

/** Longest name searched for: a name, not a text to scan with. */
const NAME_SEARCH_MAX = 100;

type RunSearch = { name?: string; from?: number; to?: number } | { status: number; body: ReturnType<typeof consoleError> };

/**
 * The customer's name and the day of a run search. Only an editor may search
 * by name: a viewer sees names masked, and prefix searches would spell a
 * masked name out one letter at a time.
 */
function customerSearch(q: Query, session: SignedIn, zone: string): RunSearch {
  const name = text(q.name, Number.MAX_SAFE_INTEGER);
  if (name !== undefined && Array.from(name).length > NAME_SEARCH_MAX) return { status: 400, body: consoleError('runs.nameTooLong', { max: NAME_SEARCH_MAX }) };
  if (name !== undefined && !roleAtLeast(session.role, 'editor')) return { status: 403, body: consoleError('error.needsRole', { needs: 'editor', role: session.role }) };
  const day = text(q.date);
  const range = day === undefined ? undefined : dayRange(zone, day);
  if (range === null) return { status: 400, body: consoleError('runs.badDate') };
  return { ...(name !== undefined ? { name } : {}), ...range };
}

/** What a session may see of a customer's name: in full from editor up, masked for a viewer. */
const nameFor = (session: SignedIn, name: string | null) => (roleAtLeast(session.role, 'editor') ? name : maskName(name));

export function registerRunsApi(api: FastifyInstance, deps: RunsApiDeps): void {
  const { queries } = deps;

  api.get('/overview', async (req, reply) => {
    const parsed = singleQuery(req.query, ['tz']);
    if ('refused' in parsed) return reply.code(400).send(parsed.refused);
    const q = parsed.query;
    const now = deps.now();
    // The browser's getTimezoneOffset(): minutes to add to local time to get UTC.
    const tz = Number(q.tz ?? 0);
    const offsetMs = Number.isFinite(tz) && Math.abs(tz) <= 14 * 60 ? tz * 60_000 : 0;
    const localNow = now - offsetMs;
    const todayStart = localNow - (((localNow % 86_400_000) + 86_400_000) % 86_400_000) + offsetMs;
    return queries.overview(now, todayStart);
  });

  api.get('/runs', async (req, reply) => {
    const parsed = singleQuery(req.query, ['q', 'name', 'date', 'chatId', 'userId', 'curationId', 'state', 'before', 'limit']);
    if ('refused' in parsed) return reply.code(400).send(parsed.refused);
    const q = parsed.query;
    const state = text(q.state);
    if (state !== undefined && !RUN_STATES.includes(state as RunState)) {
      return reply.code(400).send(consoleError('error.stateOneOf', { states: RUN_STATES.join(', ') }));
    }
    const session = deps.sessionOf(req);
    const search = customerSearch(q, session, deps.timeZone());
    if ('status' in search) return reply.code(search.status).send(search.body);
    const before = q.before === undefined ? undefined : Number(q.before);
    const filter = {
      ...search,
      q: text(q.q),
      chatId: text(q.chatId),
      userId: text(q.userId),
      curationId: text(q.curationId),
      state: state as RunState | undefined,
      before: before !== undefined && Number.isFinite(before) ? before : undefined,
      limit: q.limit === undefined ? 50 : Number(q.limit) || 50,
    };
    const runs = await queries.listRuns(filter);
    // "Did anything arrive for this customer at all?" needs the deliveries too, runs or not.
    const events =
      filter.chatId || filter.userId || filter.q
        ? await queries.listEvents({ chatId: filter.chatId, userId: filter.userId, anyId: filter.chatId || filter.userId ? undefined : filter.q, limit: 20 })
        : [];
    return {
      runs: runs.map((r) => ({ ...r, customerName: nameFor(session, r.customerName), deskUrl: deskChatUrl(r.channelId, r.chatId) })),
      events,
      next: runs.length === filter.limit ? runs[runs.length - 1]?.createdAt ?? null : null,
    };
  });

  api.get('/runs/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const detail = await queries.runDetail(id);
    if (!detail) return reply.code(404).send(consoleError('error.noSuchRun'));
    const { run } = detail;
    const session = deps.sessionOf(req);
    // Labels are a help: a version that no longer compiles shows keys, not an error.
    const curation = await deps.curationOfRun?.(detail.run).catch(() => undefined);
    // A message's text holds what was computed from the answers (and often the customer's name): a viewer sees that a message went, not what it said.
    const masked = !roleAtLeast(session.role, 'editor');
    return {
      ...detail,
      run: { ...run, customer_name: nameFor(session, run.customer_name), deskUrl: deskChatUrl(run.channel_id, run.chat_id) },
      labels: labelsOf(curation),
      messagesMasked: masked,
      messages: detail.messages.map((m) => {
        const { body_json: _b, ...rest } = m;
        if (masked) return { ...rest, body: null, rendered: MASKED_MESSAGE };
        const body = JSON.parse(m.body_json) as MessageBody;
        return { ...rest, body, rendered: renderBody(body) };
      }),
    };
  });

  api.post('/runs/:id/reveal', async (req, reply) => {
    const { id } = req.params as { id: string };
    const secrets = await queries.runSecrets(id);
    if (!secrets) return reply.code(404).send(consoleError('error.noSuchRun'));
    // An audit line: who looked at whose answers. Never the answers themselves.
    deps.logger.info({ runId: id, operator: deps.sessionOf(req).operatorId }, 'console: profile revealed');
    // Recorded before the values leave: no audit row, no reveal.
    await deps.audit(req, 'profile.revealed', id, { runId: id });
    return reply.header('cache-control', 'no-store').send(secrets);
  });

  // Stop this run: its messages not yet sent are cancelled (one in flight finishes), and the chat's next run may go.
  api.post('/runs/:id/stop', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!deps.stopRun) return reply.code(404).send(consoleError('error.stopUnavailable'));
    const operator = deps.sessionOf(req).operatorId;
    const result = await deps.stopRun(id, because('stopped in the console by an operator', reasonWords('stoppedByOperator')));
    if (result === 'unknown') return reply.code(404).send(consoleError('error.noSuchRun'));
    if (result === 'finished') return reply.code(409).send(consoleError('error.runEnded'));
    deps.logger.info({ runId: id, operator }, 'console: run stopped');
    await deps.audit(req, 'run.stopped', id, { runId: id });
    return { ok: true, stopped: true };
  });
}
