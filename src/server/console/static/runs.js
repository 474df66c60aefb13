// Run search and one run's story: the event that started it, each planned
// message with its due time and attempts, the end and why, and the messages
// as the customer saw them.
import { api, session } from './api.js';
import { badge, errorBox, fmtDuration, fmtTime, h } from './dom.js';
import { chatView } from './chat.js';
import { has, lang, t } from './i18n.js';
import { eventKindText, fieldLabel, labelsOfView, languageName, problemText, reasonText, valueLabel } from './words.js';

const STATES = ['', 'planning', 'pending', 'sending', 'awaiting', 'parked', 'completed', 'fallback', 'cancelled', 'failed', 'skipped'];

/** The chat in Channel Talk's desk, in a new tab (the server builds the address; none without the run's channel). */
function deskLink(url) {
  return url ? h('a', { class: 'desk-link', href: url, target: '_blank', rel: 'noopener noreferrer' }, t('runs.openInDesk')) : null;
}

function runCard(r, labels) {
  return h(
    'li',
    { class: 'run-card' },
    h(
      'a',
      { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'run-link' },
      h('div', { class: 'run-head' }, badge(r.state), r.customerName ? h('strong', { class: 'run-customer' }, r.customerName) : null, h('span', { class: 'run-curation' }, r.curationId), h('span', { class: 'muted' }, fmtTime(r.createdAt))),
      h('div', { class: 'run-ids' }, h('span', {}, t('runs.chatLabel'), h('code', {}, r.chatId)), r.userId ? h('span', {}, t('runs.userLabel'), h('code', {}, r.userId)) : null),
      h('div', { class: 'run-progress' }, t('runs.progress', { sent: r.sent, messages: r.messages }), r.reason ? h('span', { class: 'run-reason' }, ` · ${reasonText(r.reasonWords, r.reason, labels)}`) : null),
    ),
    deskLink(r.deskUrl),
  );
}

function eventLine(e) {
  return h(
    'li',
    { class: 'event-line' },
    h('span', { class: 'muted' }, fmtTime(e.received_at)),
    ' ',
    h('strong', {}, eventKindText(e.kind)),
    ' ',
    badge(e.status),
    e.reason ? h('span', { class: 'muted' }, ` ${reasonText(e.reasonWords, e.reason)}`) : null,
  );
}

export async function showRuns({ view, params, navigate }) {
  const [curations, who] = await Promise.all([api('/curations').then((r) => r.curations).catch(() => []), session().catch(() => ({}))]);
  const field = (name, label, attrs = {}) =>
    h('label', { class: 'field' }, h('span', {}, label), h('input', { name, value: params.get(name) ?? '', autocomplete: 'off', spellcheck: 'false', ...attrs }));
  const form = h(
    'form',
    { class: 'card search', role: 'search' },
    field('q', t('runs.searchId'), { type: 'search', placeholder: t('runs.searchPlaceholder') }),
    h(
      'div',
      { class: 'search-row' },
      // A viewer sees names masked, and the server refuses them a search by name.
      who.role && who.role !== 'viewer' ? field('name', t('runs.customerName'), { type: 'search', placeholder: t('runs.customerNamePlaceholder'), maxlength: '100' }) : null,
      field('date', t('runs.date'), { type: 'date' }),
      field('chatId', t('runs.chatId')),
      field('userId', t('runs.userId')),
      h('label', { class: 'field' }, h('span', {}, t('runs.curation')), h('select', { name: 'curationId' }, h('option', { value: '' }, t('runs.any')), curations.map((c) => h('option', { value: c.id, selected: params.get('curationId') === c.id }, c.id)))),
      h('label', { class: 'field' }, h('span', {}, t('runs.status')), h('select', { name: 'state' }, STATES.map((s) => h('option', { value: s, selected: (params.get('state') ?? '') === s }, s ? t(`state.${s}`) : t('runs.any'))))),
    ),
    h('button', { type: 'submit', class: 'primary' }, t('runs.search')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
    navigate(`#/runs?${q}`);
  });
  const list = h('ul', { class: 'run-list', 'aria-label': t('runs.title') });
  const events = h('div');
  const more = h('div');
  view.append(h('h1', {}, t('runs.title')), form, events, list, more);

  const labelsOf = new Map(curations.map((c) => [c.id, labelsOfView(c)]));
  const query = new URLSearchParams(params);
  async function page(before) {
    if (before) query.set('before', String(before));
    const r = await api(`/runs?${query}`);
    if (r.runs.length === 0 && !before) list.append(h('li', { class: 'empty' }, t('runs.none')));
    list.append(...r.runs.map((run) => runCard(run, labelsOf.get(run.curationId))));
    if (!before && r.events.length > 0) {
      events.replaceChildren(h('details', { class: 'card', open: r.runs.length === 0 }, h('summary', {}, t('runs.deliveries', { count: r.events.length })), h('ul', { class: 'event-list' }, r.events.map(eventLine))));
    }
    more.replaceChildren(r.next ? h('button', { type: 'button', onclick: () => void page(r.next) }, t('runs.older')) : '');
  }
  await page();
}

function summaryBits(summary) {
  const bits = [];
  if (summary.chatTags?.length) bits.push(t('run.tags', { tags: summary.chatTags.join(', ') }));
  if (summary.supportBotId) bits.push(t('run.supportBot', { id: summary.supportBotId }));
  if (summary.language) bits.push(t('run.language', { language: languageName(summary.language) }));
  if (summary.textLength !== undefined) bits.push(t('run.textLength', { count: summary.textLength }));
  return bits.join(' · ');
}

function step(time, t0, title, detail, cls) {
  return h(
    'li',
    { class: ['step', cls] },
    h('div', { class: 'step-time' }, time ? fmtTime(time) : t('run.notYet'), time && t0 ? h('span', { class: 'muted' }, ` +${fmtDuration(time - t0)}`) : null),
    h('div', { class: 'step-title' }, title),
    detail ? h('div', { class: 'step-detail' }, detail) : null,
  );
}

function attemptLine(a) {
  const ok = a.status === 200 || (a.status !== null && a.status >= 200 && a.status < 300);
  return h(
    'li',
    { class: ['attempt', ok ? 'ok' : 'bad'] },
    `${fmtTime(a.started_at)} · `,
    h('strong', {}, a.status === null ? t('run.noAnswer') : `HTTP ${a.status}`),
    ` · ${fmtDuration(a.latency_ms)}`,
    a.error_kind ? ` · ${has(`attempt.kind.${a.error_kind}`) ? t(`attempt.kind.${a.error_kind}`) : a.error_kind}` : '',
    // Why Channel Talk was unavailable, in words; a refusal's sentence is the message's own reason, worded there (English only here).
    a.reason ? (has(`health.why.${a.reason}`) ? ` · ${t(`health.why.${a.reason}`)}` : lang === 'en' ? ` · ${a.reason}` : '') : '',
  );
}

/** The version a run was planned with (`<scope>/<id>@<n>`), linked to its text in the history; older runs have none. */
export function versionLink(run) {
  const n = /@(\d+)$/.exec(run.curation_version ?? '')?.[1];
  if (!n) return h('span', { class: 'muted run-version' }, t('run.versionUnknown'));
  return h('a', { class: 'run-version', href: `#/history/${encodeURIComponent(run.curation_id)}?version=${n}` }, t('run.version', { n }));
}

function timeline(d) {
  const t0 = d.event?.received_at ?? d.run.created_at;
  const items = [];
  if (d.event) {
    const via = d.event.summary?.recoveredBy === 'sweep' ? t('run.viaSweep') : t('run.viaWebhook');
    items.push(step(d.event.received_at, null, h('span', {}, via, h('strong', {}, eventKindText(d.event.kind)), ' ', badge(d.event.status)), summaryBits(d.event.summary), 'event'));
  }
  const problems = Array.isArray(d.run.problems) ? d.run.problems : [];
  items.push(
    step(
      d.run.created_at,
      t0,
      h('span', {}, t('run.started'), h('strong', {}, d.run.curation_id), ' ', versionLink(d.run), d.run.outcome ? ` (${t(`state.${d.run.outcome}`)})` : ''),
      problems.length ? h('ul', { class: 'run-problems' }, problems.map((p) => h('li', {}, problemText(p, d.labels)))) : null,
      'run',
    ),
  );
  const byMessage = new Map();
  for (const a of d.attempts) {
    const list = byMessage.get(a.seq) ?? [];
    list.push(a);
    byMessage.set(a.seq, list);
  }
  for (const m of d.messages) {
    const attempts = byMessage.get(m.seq) ?? [];
    const when = m.sent_at ?? m.due_at;
    items.push(
      step(
        when,
        t0,
        h('span', {}, t('run.message', { n: m.seq + 1 }), badge(m.state), h('span', { class: 'muted' }, ' ', t('run.wait', { duration: fmtDuration(m.delay_ms) }))),
        h(
          'div',
          {},
          m.due_at ? h('div', {}, t('run.due', { time: fmtTime(m.due_at) })) : h('div', { class: 'muted' }, t('run.waitsForPrevious')),
          m.reason ? h('div', {}, reasonText(m.reasonWords, m.reason, d.labels)) : null,
          attempts.length ? h('ul', { class: 'attempts' }, attempts.map(attemptLine)) : null,
        ),
        `message st-${m.state}`,
      ),
    );
  }
  for (const e of d.laterEvents) {
    items.push(step(e.received_at, t0, h('span', {}, t('run.later'), h('strong', {}, eventKindText(e.kind)), ' ', badge(e.status)), reasonText(e.reasonWords, e.reason, d.labels), 'event'));
  }
  const final = ['completed', 'fallback', 'cancelled', 'failed', 'skipped'].includes(d.run.state);
  const why = reasonText(d.run.reasonWords, d.run.reason, d.labels);
  items.push(
    step(
      d.run.finished_at,
      t0,
      h('span', {}, final ? t('run.finished') : t('run.now'), badge(d.run.state)),
      d.run.state === 'awaiting'
        ? h('div', { class: 'final-reason' }, t('run.awaiting', { reason: why ?? '' }))
        : d.run.state === 'parked'
          ? h('div', { class: 'final-reason' }, t('run.parked'))
          : why
          ? h('div', { class: 'final-reason' }, why)
          : final
            ? null
            : t('run.stillRunning'),
      ['final', `st-${d.run.state}`],
    ),
  );
  return h('ol', { class: 'timeline', 'aria-label': t('run.timeline') }, items);
}

// Everything that holds an answer or a copy of one: the answers, the computed
// values, what the write-back writes and the user event's properties. Names
// only, until an editor reveals them (a logged request); a viewer is told why
// there is no button rather than offered one the server refuses.
function secretsCard(runId, run, labels, role) {
  const eventLabel = run.userEvent ? t('run.eventNamed', { name: run.userEvent.name }) : t('run.event');
  const entries = [
    ...run.profileKeys.map((k) => ['answer', k, t('run.answer'), fieldLabel(labels, k)]),
    ...run.valueKeys.map((k) => ['value', k, t('run.value'), valueLabel(labels, k)]),
    ...(run.writeBackKeys ?? []).map((k) => ['write-back', k, t('run.writtenBack'), fieldLabel(labels, k)]),
    ...(run.userEvent?.propertyKeys ?? []).map((k) => ['event', k, eventLabel]),
  ];
  const list = h(
    'dl',
    { class: 'secrets masked' },
    entries.flatMap(([kind, k, label, shown = k]) => [h('dt', {}, shown, h('span', { class: 'muted' }, ` ${label}`)), h('dd', { dataset: { key: `${kind}:${k}` } }, '••••••')]),
  );
  const button = h('button', { type: 'button', class: 'reveal' }, t('run.reveal'));
  const note = h('p', { class: 'hint' }, t('run.revealNote'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const s = await api(`/runs/${encodeURIComponent(runId)}/reveal`, { method: 'POST' });
      const show = (kind, obj) => {
        for (const [k, v] of Object.entries(obj ?? {})) {
          const dd = list.querySelector(`[data-key="${CSS.escape(`${kind}:${k}`)}"]`);
          if (dd) dd.textContent = typeof v === 'string' ? v : JSON.stringify(v);
        }
      };
      show('answer', s.profile);
      show('value', s.values);
      show('write-back', s.writeBack);
      show('event', s.userEvent?.property);
      list.classList.remove('masked');
      button.remove();
    } catch (err) {
      button.disabled = false;
      note.replaceWith(errorBox(err.message));
    }
  });
  const empty = entries.length === 0;
  const reveal = role === 'viewer' ? h('p', { class: 'hint masked-for-viewer' }, t('run.maskedForViewer')) : [button, note];
  return h('section', { class: 'card', 'aria-label': t('run.secretsLabel') }, h('h2', {}, t('run.secretsTitle')), empty ? h('p', { class: 'muted' }, t('run.noneStored')) : [list, reveal]);
}

const LIVE = ['planning', 'pending', 'sending', 'awaiting', 'parked'];

/** Stop this run (editors): the server checks the role and records who stopped it. */
function stopCard(runId) {
  const out = h('p', { class: 'hint' }, t('run.stopHint'));
  const button = h('button', { type: 'button', class: 'danger', id: 'stop-run' }, t('run.stop'));
  button.addEventListener('click', async () => {
    if (!confirm(t('run.stopConfirm'))) return;
    button.disabled = true;
    try {
      await api(`/runs/${encodeURIComponent(runId)}/stop`, { method: 'POST' });
      location.reload();
    } catch (err) {
      button.disabled = false;
      out.replaceChildren(errorBox(err.message));
    }
  });
  return h('section', { class: 'card', 'aria-label': t('run.stop') }, button, out);
}

export async function showRun({ view }, id) {
  const d = await api(`/runs/${encodeURIComponent(id)}`);
  const r = d.run;
  const header = h(
    'section',
    { class: 'card run-summary' },
    h('div', { class: 'run-head' }, badge(r.state), h('strong', {}, r.curation_id)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('run.fact.run')),
      h('dd', {}, h('code', {}, r.id)),
      h('dt', {}, t('runs.customer')),
      h('dd', { class: 'run-customer' }, r.customer_name ?? '—'),
      h('dt', {}, t('run.fact.chat')),
      h('dd', {}, h('a', { href: `#/runs?chatId=${encodeURIComponent(r.chat_id)}` }, h('code', {}, r.chat_id)), r.deskUrl ? ' · ' : null, deskLink(r.deskUrl)),
      h('dt', {}, t('run.fact.user')),
      h('dd', {}, r.user_id ? h('a', { href: `#/runs?userId=${encodeURIComponent(r.user_id)}` }, h('code', {}, r.user_id)) : '—'),
      h('dt', {}, t('run.fact.channel')),
      h('dd', {}, r.channel_id ?? '—'),
      h('dt', {}, t('run.fact.version')),
      h('dd', {}, versionLink(r)),
      h('dt', {}, t('run.fact.language')),
      h('dd', {}, languageName(r.lang) ?? '—'),
      h('dt', {}, t('run.fact.reason')),
      h('dd', { class: r.reason ? 'run-reason' : null }, reasonText(r.reasonWords, r.reason, d.labels) ?? '—'),
    ),
  );
  const messages = d.messages.map((m) => ({ seq: m.seq, delayMs: m.delay_ms, rendered: m.rendered, state: m.state }));
  const who = await session().catch(() => ({}));
  // Native append() would print a null child (no Stop card) as the text "null": filtered out.
  view.append(
    ...[
    h('p', {}, h('a', { href: '#/runs' }, t('run.back'))),
    h('h1', {}, t('run.title')),
    header,
    LIVE.includes(r.state) && who.role !== 'viewer' ? stopCard(r.id) : null,
    h('div', { class: 'two-col' }, h('section', { class: 'card' }, h('h2', {}, t('run.timeline')), timeline(d)), h('section', { class: 'card' }, h('h2', {}, t('run.customerSees')), d.messagesMasked && messages.length ? h('p', { class: 'hint messages-masked' }, t('run.messagesMasked')) : null, messages.length ? chatView(messages) : h('p', { class: 'muted' }, t('run.noMessages')))),
    secretsCard(r.id, r, d.labels, who.role),
    ].filter(Boolean),
  );
}
