// plan(): from a curation, an event and a raw profile to the exact message
// bodies and delays. Pure (no I/O, no clock, no randomness), synchronous, and
// total: it never throws and never returns a half-computed sequence. The
// service, `curation preview` and the console simulator all call it.
import type { Event } from '../channeltalk/event.js';
import type { FieldProblem, Plan, PlannedMessageSpec, Value } from './plan-types.js';
import { internalsOf, type CompiledMessage } from './internals.js';
import { resolveFields, type ResolvedFields } from './profile.js';
import { computeValues, renderMessages, SequenceFailure, type SequenceContext } from './sequence.js';
import { renderUserEvent } from './user-event.js';
import { askCovers, askingFor, type CompiledAsk } from './ask.js';
import type { Curation } from './types.js';
import { problemParam, reason as because, reasonWords, type Reason } from './reason-words.js';

export interface PlanOptions {
  runId: string;
  /**
   * The current time (epoch ms). A curation's clock (`now` in expressions,
   * "now" in the date filter) is the moment the customer asked, the event's
   * occurredAt (the chat's opening, the message's time); this is used only
   * when there is no event or it does not say when.
   */
  now: number;
  /** Overrides the event's language. */
  lang?: string;
  /**
   * false: never ask in the chat (`fallback.ask`), send the plain fallback.
   * A run that asked once is planned again with this, so it continues once.
   */
  ask?: boolean;
  /** The seq of the first message (requestId `${runId}-${seq}`): a run planned again after its ask continues after the ask's messages. */
  firstSeq?: number;
}

export function plan(curation: Curation, event: Event | null, rawProfile: Record<string, unknown> | null, opts: PlanOptions): Plan {
  const lang = resolveLanguage(curation, opts.lang ?? event?.language ?? null);
  const base: Plan = { curationId: curation.id, runId: opts.runId, outcome: 'skipped', lang, values: {}, problems: [], reason: null, messages: [] };
  const now = askedAt(event) ?? opts.now;
  const ctx = { lang, now, runId: opts.runId, firstSeq: opts.firstSeq ?? 0 };
  try {
    const inner = internalsOf(curation);
    const { values: fields, problems } = resolveFields(inner.fields, rawProfile);
    const fallback = (spec: CompiledMessage[] | null, found: FieldProblem[], reason: Reason, answers = fields): Plan =>
      fallbackPlan(base, spec, { ...inner.settings, ...answers, now, lang }, ctx, found, reason);

    const refused = problems.length === 0 ? problems : problems.filter((p) => p.problem === 'no_consent');
    if (refused.length > 0) {
      const keys = refused.map((p) => p.field);
      const reason = because(`the customer has not consented (${keys.join(', ')} is not true)`, reasonWords('noConsent', { fields: keys }));
      // Without consent no answer is used, not even in the message that says so.
      const none = Object.fromEntries(inner.fields.map((f) => [f.name, f.type === 'list' ? [] : null]));
      return fallback(inner.consentFallback, refused, reason, none);
    }
    if (problems.length > 0) {
      const reason = because(
        `required answers are missing or odd: ${problems.map((p) => `${p.field} (${p.problem})`).join(', ')}`,
        reasonWords('answersMissing', { problems: problemParam(problems) }),
      );
      const asking = opts.ask === false || !inner.ask ? null : askPlan(base, inner.ask, { ...inner.settings, ...fields, now, lang }, ctx, problems, reason);
      return asking ?? fallback(inner.fallback, problems, reason);
    }

    let values: Record<string, Value>;
    let messages: PlannedMessageSpec[];
    let scope: Record<string, unknown>;
    try {
      const computed = computeValues(inner, fields, ctx);
      values = computed.values;
      scope = computed.scope;
      messages = renderMessages(inner.messages, scope, ctx);
    } catch (err) {
      // Over the render budget is a fault of the curation, not of the answers: the run fails, no fallback is sent.
      if (err instanceof SequenceFailure && err.overLimit) return { ...base, outcome: 'skipped', reason: err.reason, reasonWords: [err.words] };
      if (err instanceof SequenceFailure) return fallback(inner.fallback, [], because(err.reason, err.words));
      throw err;
    }
    // Fixed now, with the messages: the run records exactly this event once it completes.
    // The keys in base's order, as a spread of it wrote them (written out: every plan of a sequence comes here).
    const planned: Plan = { curationId: base.curationId, runId: base.runId, outcome: 'sequence', lang, values, problems: base.problems, reason: null, messages };
    if (inner.userEvent) planned.userEvent = renderUserEvent(inner.userEvent, scope);
    return planned;
  } catch {
    // Defensive: an unexpected failure must neither take the webhook down nor leak a value into a log.
    return { ...base, outcome: 'skipped', reason: 'internal error while planning', reasonWords: [reasonWords('internalError')] };
  }
}

function fallbackPlan(
  base: Plan,
  spec: CompiledMessage[] | null,
  scope: Record<string, unknown>,
  ctx: SequenceContext,
  problems: FieldProblem[],
  reason: Reason,
): Plan {
  const said = { reason: reason.text, reasonWords: reason.words };
  if (!spec || spec.length === 0) return { ...base, outcome: 'skipped', problems, ...said };
  try {
    return { ...base, outcome: 'fallback', problems, ...said, messages: renderMessages(spec, scope, ctx) };
  } catch (err) {
    const why = err instanceof SequenceFailure ? err.reason : 'internal error';
    const whyWords = err instanceof SequenceFailure ? err.words : reasonWords('internalError');
    return {
      ...base,
      outcome: 'skipped',
      problems,
      reason: `${reason.text}; the fallback messages could not be rendered: ${why}`,
      reasonWords: [...reason.words, reasonWords('fallbackNotRendered'), whyWords],
    };
  }
}

/** The ask's messages for these problems, or null when it cannot fix them all or renders no form (then the plain fallback goes). */
function askPlan(base: Plan, ask: CompiledAsk, scope: Record<string, unknown>, ctx: SequenceContext, problems: FieldProblem[], reason: Reason): Plan | null {
  const keys = problems.map((p) => p.field);
  if (!askCovers(ask, keys)) return null;
  try {
    const messages = renderMessages(askingFor(ask, new Set(keys)), scope, ctx);
    if (!messages.some((m) => m.body.form !== undefined)) return null;
    return { ...base, outcome: 'ask', problems, reason: `${reason.text}; asked in the chat`, reasonWords: [...reason.words, reasonWords('askedInChat')], messages };
  } catch (err) {
    if (err instanceof SequenceFailure) return null;
    throw err;
  }
}

/**
 * When the customer asked: the event's own time, so that a run planned later
 * (a profile fetched first, a chat the sweep recovered, a retry) computes a
 * cut-off for the moment of the request, not for the moment of planning.
 */
function askedAt(event: Event | null): number | null {
  const at = event?.occurredAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

/** The customer's language if the curation speaks it (`ko-KR` counts as `ko`), else the curation's default. */
export function resolveLanguage(curation: Curation, requested: string | null): string {
  if (requested) {
    const primary = primaryLanguage(requested);
    if (curation.languages.includes(primary)) return primary;
  }
  return curation.defaultLanguage;
}

/** `ko-KR` → `ko`: the part before the first - or _, trimmed and lower-cased (a loop: every plan asks, and a regex split cost more). */
function primaryLanguage(requested: string): string {
  const s = requested.trim();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2d || c === 0x5f) return s.slice(0, i).toLowerCase();
  }
  return s.toLowerCase();
}

/** The profile contract alone: typed answers, or the problems (never the values) that would make plan() fall back or skip. */
export function resolveProfile(
  curation: Curation,
  rawProfile: Record<string, unknown> | null,
): { ok: true; profile: ResolvedFields; problems: [] } | { ok: false; problems: FieldProblem[] } {
  const { values, problems } = resolveFields(internalsOf(curation).fields, rawProfile);
  return problems.length === 0 ? { ok: true, profile: values, problems: [] } : { ok: false, problems };
}
