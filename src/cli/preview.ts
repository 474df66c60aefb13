// `curation preview <id> --profile FILE [--lang ko|en] [--now ISO_TIME] [--json] [--dir D]`:
// exactly what a customer with these answers would receive. It calls the
// same plan() as the service, so a preview cannot drift from a real run.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describePlan, loadCurations, plan } from '../curation/index.js';
import { ENGLISH_FRAME, type PlanFrame } from '../curation/describe.js';
import { wordsOf, type Words } from './lang.js';
import { durationText, problemText, reasonText } from './reason-text.js';
import { labelsOf, type Labels } from '../server/console/labels.js';
import { curationsDir, shownPath } from './check.js';
import type { Command } from './io.js';
import { usage } from './usage.js';
import { datePartsIn } from '../curation/zone.js';
import { deliveryTrigger } from './preview-trigger.js';

const USAGE = usage('preview');

export const previewCommand: Command = async (argv, io) => {
  const w = wordsOf(io);
  let args: { id: string; profile: string; lang: string | undefined; now: number; nowGiven: boolean; json: boolean; dir: string | undefined };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { profile: { type: 'string' }, lang: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean', default: false }, dir: { type: 'string' } },
      allowPositionals: true,
    });
    const [id, ...extra] = positionals;
    if (!id) throw new Error(w.t('cli.preview.whichCuration'));
    if (!values.profile) throw new Error(w.t('cli.preview.profileRequired'));
    if (extra.length > 0) throw new Error(w.t('cli.preview.unexpected', { args: extra.join(' ') }));
    args = { id, profile: values.profile, lang: values.lang, now: values.now === undefined ? Date.now() : parseMoment(values.now, w), nowGiven: values.now !== undefined, json: values.json, dir: values.dir };
  } catch (err) {
    io.stderr(`curation preview: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }

  const loaded = await loadCurations(curationsDir(io, args.dir));
  if (!loaded.ok) {
    for (const e of loaded.errors) io.stderr(w.problem({ ...e, file: shownPath(io, e.file) }));
    return 1;
  }
  const curation = loaded.set.byId(args.id);
  if (!curation) {
    const ids = loaded.set.curations.map((c) => c.id).join(', ');
    io.stderr(`curation preview: ${ids === '' ? w.t('cli.preview.noCurationNone', { id: args.id }) : w.t('cli.preview.noCuration', { id: args.id, ids })}`);
    return 1;
  }
  if (args.lang !== undefined && !curation.languages.includes(args.lang)) {
    io.stderr(`curation preview: ${w.t('cli.preview.notItsLanguage', { id: curation.id, languages: curation.languages.join(', '), lang: args.lang })}`);
    return 2;
  }

  let input: unknown;
  try {
    input = JSON.parse(await readFile(path.resolve(io.cwd, args.profile), 'utf8'));
  } catch (err) {
    io.stderr(`curation preview: ${w.t('cli.preview.notJson', { file: args.profile, error: err instanceof Error ? err.message : String(err) })}`);
    return 1;
  }
  const found = profileFrom(input);
  if (!found) {
    io.stderr(`curation preview: ${w.t('cli.preview.notAnswers', { file: args.profile })}`);
    return 1;
  }

  const lang = args.lang ?? found.lang;
  // No event: the moment the customer asks is --now (or this moment).
  const p = plan(curation, null, found.profile, { runId: 'preview', now: args.now, ...(lang ? { lang } : {}) });
  const trigger = deliveryTrigger(input, loaded.set, curation, w);
  if (args.json) {
    const triggerJson = trigger ? { trigger: { event: trigger.event, starts: trigger.starts, ...(trigger.reason !== undefined ? { reason: trigger.reason } : {}) } } : {};
    io.stdout(
      JSON.stringify(
        { curationId: p.curationId, outcome: p.outcome, lang: p.lang, now: new Date(args.now).toISOString(), reason: p.reason, problems: p.problems, values: p.values, messages: p.messages, ...(p.userEvent ? { userEvent: p.userEvent } : {}), ...triggerJson },
        null,
        2,
      ),
    );
  } else {
    if (args.nowGiven) io.stdout(w.t('cli.preview.askedAt', { moment: askedAt(args.now, curation.timezone, w) }));
    const described = describePlan(p, planFrame(w, labelsOf(curation)));
    io.stdout(trigger ? `${described}\n${trigger.line}` : described);
  }
  return 0;
};

/**
 * An ISO 8601 time with its zone (`Z` or an offset): without one, the same
 * text would mean another moment on each machine, and a cut-off would move.
 */
function parseMoment(text: string, w: Words): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(ms)) throw new Error(w.t('cli.preview.nowFormat'));
  return ms;
}

/** The plan's lines in the operator's language: its reason and problems in words, fields under the curation's labels. */
function planFrame(w: Words, labels: Labels): PlanFrame {
  if (w.lang === 'en') return ENGLISH_FRAME;
  return {
    head: ({ id, outcome, lang, count }) => w.tn('cli.preview.head', count, { id, outcome: w.t(`state.${outcome}`), lang }),
    reason: (reason, words) => w.t('cli.preview.reason', { reason: reasonText(reason, words, labels, w) }),
    problem: (p) => w.t('cli.preview.problem', { message: problemText(p, labels, w) }),
    duration: (ms) => durationText(ms, w),
    values: w.t('cli.preview.values'),
    message: (m) => w.t('cli.preview.message', m),
    options: (list) => w.t('cli.preview.options', { list }),
    userEvent: (event) => w.t('cli.preview.userEvent', { event }),
  };
}

/** `2026-12-08T01:00:00.000Z (Tue 10:00 in Asia/Seoul)`: the moment as the curation's weekday() and hour() read it. */
function askedAt(now: number, zone: string, w: Words): string {
  const d = datePartsIn(zone, now);
  const pad = (n: number) => String(n).padStart(2, '0');
  // English: the weekday as the curation's weekday() names it, capitalised (Tue); Korean: as Korean writes it (화).
  const day = w.lang === 'en' ? `${d.weekday[0]?.toUpperCase() ?? ''}${d.weekday.slice(1)}` : new Intl.DateTimeFormat(w.lang, { weekday: 'short', timeZone: zone }).format(now);
  return `${new Date(now).toISOString()} (${w.t('cli.preview.zoneTime', { day, time: `${pad(d.hour)}:${pad(d.minute)}`, zone })})`;
}

/** A plain object of answers, or a whole webhook delivery (its refers.user.profile and language). */
function profileFrom(input: unknown): { profile: Record<string, unknown>; lang: string | null } | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return null;
  const user = (input as { refers?: { user?: { profile?: unknown; language?: unknown; name?: unknown } } }).refers?.user;
  if (user && typeof user.profile === 'object' && user.profile !== null && !Array.isArray(user.profile)) {
    const profile = { ...(user.profile as Record<string, unknown>) };
    if (profile.name === undefined && typeof user.name === 'string') profile.name = user.name;
    return { profile, lang: typeof user.language === 'string' ? user.language : null };
  }
  return { profile: input as Record<string, unknown>, lang: null };
}
