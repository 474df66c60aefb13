// The loaded curations, their reload from disk, and the simulator: the same
// plan() the service and `curation preview` call, on answers typed by an
// operator, so what the console shows is what a customer would get.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { plan, resolveProfile, type Curation, type CurationSet } from '../../curation/index.js';
import { describeTrigger, triggerWords } from '../../curation/triggers/registry.js';
import { renderBody } from './render-message.js';
import { consoleError } from './messages.js';
import type { Session } from './sessions.js';
import { labelsOf } from './labels.js';

export interface CurationsApiDeps {
  curations: () => CurationSet;
  reloadCurations: () => Promise<{ ok: true; ids: string[] } | { ok: false; errors: string[] }>;
  logger: Logger;
  now: () => number;
  sessionOf: (req: FastifyRequest) => Session;
}

export function curationView(c: Curation) {
  return {
    id: c.id,
    title: c.title ?? null,
    description: c.description ?? null,
    file: c.file,
    enabled: c.enabled,
    trigger: c.trigger,
    triggerText: describeTrigger(c.trigger),
    triggerWords: triggerWords(c.trigger),
    limits: c.limits,
    takeover: c.takeover,
    languages: c.languages,
    defaultLanguage: c.defaultLanguage,
    fields: c.fields,
    valueNames: c.valueNames,
    valueLabels: c.valueLabels,
    messageCount: c.messageCount,
    hasFallback: c.hasFallback,
    hasConsentFallback: c.hasConsentFallback,
  };
}

interface SimulateBody {
  curationId?: unknown;
  profile?: unknown;
  lang?: unknown;
}

export function registerCurationsApi(api: FastifyInstance, deps: CurationsApiDeps): void {
  api.get('/curations', (_req, reply) => reply.send({ curations: deps.curations().curations.map(curationView) }));

  api.post('/curations/reload', async (req) => {
    const operator = deps.sessionOf(req).operatorId;
    const result = await reloadOrExplain(deps, operator);
    if (result.ok) deps.logger.info({ operator, curations: result.ids }, 'console: curations reloaded');
    else deps.logger.warn({ operator, errors: result.errors.length }, 'console: curation reload refused; the loaded version stays');
    return { ...result, curations: deps.curations().curations.map(curationView) };
  });

  api.post('/simulate', async (req, reply) => {
    const body = (req.body ?? {}) as SimulateBody;
    const curation = typeof body.curationId === 'string' ? deps.curations().byId(body.curationId) : undefined;
    if (!curation) return reply.code(404).send(consoleError('error.noSuchCuration'));
    if (body.profile === null || typeof body.profile !== 'object' || Array.isArray(body.profile)) {
      return reply.code(400).send(consoleError('error.profileObject'));
    }
    const lang = typeof body.lang === 'string' && /^[a-z]{2,3}$/.test(body.lang) ? body.lang : null;
    return { ok: true, curationId: curation.id, ...simulation(curation, body.profile as Record<string, unknown>, lang, deps.now()) };
  });
}

/**
 * What a customer with these answers would get: the service's own plan(), with
 * no event, exactly like `curation preview`; the simulator and the editor's
 * live preview both answer with it.
 */
export function simulation(curation: Curation, profile: Record<string, unknown>, lang: string | null, now: number) {
  const resolved = resolveProfile(curation, profile);
  const p = plan(curation, null, profile, { runId: 'r_console-simulator', now, ...(lang ? { lang } : {}) });
  return {
    outcome: p.outcome,
    lang: p.lang,
    reason: p.reason,
    // The same reason as catalogue words, and the labels they name fields and values by, for the console in the operator's language.
    reasonWords: p.reasonWords ?? [],
    labels: labelsOf(curation),
    values: p.values,
    // Field problems from the contract itself, and any the plan raised (consent, fallback).
    problems: dedupeProblems([...resolved.problems, ...p.problems]),
    messages: p.messages.map((m) => ({ seq: m.seq, delayMs: m.delayMs, body: m.body, rendered: renderBody(m.body) })),
  };
}

/**
 * Loading reports every problem of a file as an error line; an exception here
 * is a bug, and the operator still gets the route's usual answer (the loaded
 * set stays) instead of a 500. Only the error's name and stack frames are shown
 * or logged: its message may quote a curation file.
 */
async function reloadOrExplain(deps: CurationsApiDeps, operator: string): Promise<{ ok: true; ids: string[] } | { ok: false; errors: string[] }> {
  try {
    return await deps.reloadCurations();
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    deps.logger.error({ operator, error: name, at: err instanceof Error ? err.stack?.split('\n').slice(1).join('\n') : undefined }, 'console: curation reload failed; the loaded version stays');
    return { ok: false, errors: [`the reload failed unexpectedly (${name}; see the service log); the loaded curations stay live`] };
  }
}

function dedupeProblems<T extends { field: string; problem: string }>(all: T[]): T[] {
  const seen = new Set<string>();
  return all.filter((p) => {
    const k = `${p.field}\n${p.problem}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
