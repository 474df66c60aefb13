// Run search and one run's story: the event that started it, each planned
// message with its due time and attempts, the end and why, and the messages
// as the customer saw them.
import { api } from './api.js';
import { badge, errorBox, fmtDuration, fmtTime, h } from './dom.js';
import { chatView } from './chat.js';

const STATES = ['', 'planning', 'pending', 'sending', 'awaiting', 'parked', 'completed', 'fallback', 'cancelled', 'failed', 'skipped'];

function runCard(r) {
  return h(
    'li',
    { class: 'run-card' },
    h(
      'a',
      { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'run-link' },
      h('div', { class: 'run-head' }, badge(r.state), h('span', { class: 'run-curation' }, r.curationId), h('span', { class: 'muted' }, fmtTime(r.createdAt))),
      h('div', { class: 'run-ids' }, h('span', {}, 'chat ', h('code', {}, r.chatId)), r.userId ? h('span', {}, 'user ', h('code', {}, r.userId)) : null),
      h('div', { class: 'run-progress' }, `${r.sent}/${r.messages} sent`, r.reason ? h('span', { class: 'run-reason' }, ` · ${r.reason}`) : null),
    ),
  );
}

function eventLine(e) {
  return h(
    'li',
    { class: 'event-line' },
    h('span', { class: 'muted' }, fmtTime(e.received_at)),
    ' ',
    h('strong', {}, e.kind),
    ' ',
    badge(e.status),
    e.reason ? h('span', { class: 'muted' }, ` ${e.reason}`) : null,
  );
}

export async function showRuns({ view, params, navigate }) {
  const curations = await api('/curations').then((r) => r.curations).catch(() => []);
  const field = (name, label, attrs = {}) =>
    h('label', { class: 'field' }, h('span', {}, label), h('input', { name, value: params.get(name) ?? '', autocomplete: 'off', spellcheck: 'false', ...attrs }));
  const form = h(
    'form',
    { class: 'card search', role: 'search' },
    field('q', 'Run, chat or user id', { type: 'search', placeholder: 'paste an id' }),
    h(
      'div',
      { class: 'search-row' },
      field('chatId', 'Chat id'),
      field('userId', 'User id'),
      h('label', { class: 'field' }, h('span', {}, 'Curation'), h('select', { name: 'curationId' }, h('option', { value: '' }, 'any'), curations.map((c) => h('option', { value: c.id, selected: params.get('curationId') === c.id }, c.id)))),
      h('label', { class: 'field' }, h('span', {}, 'Status'), h('select', { name: 'state' }, STATES.map((s) => h('option', { value: s, selected: (params.get('state') ?? '') === s }, s || 'any')))),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
    navigate(`#/runs?${q}`);
  });
  const list = h('ul', { class: 'run-list', 'aria-label': 'Runs' });
  const events = h('div');
  const more = h('div');
  view.append(h('h1', {}, 'Runs'), form, events, list, more);

  const query = new URLSearchParams(params);
  async function page(before) {
    if (before) query.set('before', String(before));
    const r = await api(`/runs?${query}`);
    if (r.runs.length === 0 && !before) list.append(h('li', { class: 'empty' }, 'No runs match.'));
    list.append(...r.runs.map(runCard));
    if (!before && r.events.length > 0) {
      events.replaceChildren(h('details', { class: 'card', open: r.runs.length === 0 }, h('summary', {}, `Deliveries for this id (${r.events.length})`), h('ul', { class: 'event-list' }, r.events.map(eventLine))));
    }
    more.replaceChildren(r.next ? h('button', { type: 'button', onclick: () => void page(r.next) }, 'Older runs') : '');
  }
  await page();
}

function summaryBits(summary) {
  const bits = [];
  if (summary.chatTags?.length) bits.push(`tags: ${summary.chatTags.join(', ')}`);
  if (summary.supportBotId) bits.push(`support bot ${summary.supportBotId}`);
  if (summary.language) bits.push(`language ${summary.language}`);
  if (summary.textLength !== undefined) bits.push(`message of ${summary.textLength} characters`);
  return bits.join(' · ');
}

function step(time, t0, title, detail, cls) {
  return h(
    'li',
    { class: ['step', cls] },
    h('div', { class: 'step-time' }, time ? fmtTime(time) : 'not yet', time && t0 ? h('span', { class: 'muted' }, ` +${fmtDuration(time - t0)}`) : null),
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
    h('strong', {}, a.status === null ? 'no answer' : `HTTP ${a.status}`),
    ` · ${fmtDuration(a.latency_ms)}`,
    a.error_kind ? ` · ${a.error_kind}` : '',
    a.reason ? ` · ${a.reason}` : '',
  );
}

/** The version a run was planned with (`<scope>/<id>@<n>`), linked to its text in the history; older runs have none. */
export function versionLink(run) {
  const n = /@(\d+)$/.exec(run.curation_version ?? '')?.[1];
  if (!n) return h('span', { class: 'muted run-version' }, 'version unknown');
  return h('a', { class: 'run-version', href: `#/history/${encodeURIComponent(run.curation_id)}?version=${n}` }, `version ${n}`);
}

function timeline(d) {
  const t0 = d.event?.received_at ?? d.run.created_at;
  const items = [];
  if (d.event) {
    const via = d.event.summary?.recoveredBy === 'sweep' ? 'Recovered by the sweep (its delivery never came): ' : 'Webhook ';
    items.push(step(d.event.received_at, null, h('span', {}, via, h('strong', {}, d.event.kind), ' ', badge(d.event.status)), summaryBits(d.event.summary), 'event'));
  }
  const problems = Array.isArray(d.run.problems) ? d.run.problems : [];
  items.push(
    step(
      d.run.created_at,
      t0,
      h('span', {}, 'Run started: ', h('strong', {}, d.run.curation_id), ' ', versionLink(d.run), d.run.outcome ? ` (${d.run.outcome})` : ''),
      problems.length ? h('ul', {}, problems.map((p) => h('li', {}, `${p.field}: ${p.message}`))) : null,
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
        h('span', {}, `Message ${m.seq + 1} `, badge(m.state), h('span', { class: 'muted' }, ` wait ${fmtDuration(m.delay_ms)}`)),
        h(
          'div',
          {},
          m.due_at ? h('div', {}, `due ${fmtTime(m.due_at)}`) : h('div', { class: 'muted' }, 'waits for the message before it'),
          m.reason ? h('div', {}, m.reason) : null,
          attempts.length ? h('ul', { class: 'attempts' }, attempts.map(attemptLine)) : null,
        ),
        `message st-${m.state}`,
      ),
    );
  }
  for (const e of d.laterEvents) {
    items.push(step(e.received_at, t0, h('span', {}, 'Later in this chat: ', h('strong', {}, e.kind), ' ', badge(e.status)), e.reason, 'event'));
  }
  const final = ['completed', 'fallback', 'cancelled', 'failed', 'skipped'].includes(d.run.state);
  items.push(
    step(
      d.run.finished_at,
      t0,
      h('span', {}, final ? 'Finished: ' : 'Now: ', badge(d.run.state)),
      d.run.state === 'awaiting'
        ? h('div', { class: 'final-reason' }, `Asked in the chat; waiting for the customer's answer. ${d.run.reason ?? ''}`)
        : d.run.state === 'parked'
          ? h('div', { class: 'final-reason' }, 'Parked on a long wait: the chat is free for other runs until its next message is due.')
          : d.run.reason
          ? h('div', { class: 'final-reason' }, d.run.reason)
          : final
            ? null
            : 'still running',
      ['final', `st-${d.run.state}`],
    ),
  );
  return h('ol', { class: 'timeline', 'aria-label': 'Timeline' }, items);
}

// Everything that holds an answer or a copy of one: the answers, the computed
// values, what the write-back writes and the user event's properties. Names
// only, until the operator reveals them (a logged request).
function secretsCard(runId, run) {
  const eventLabel = run.userEvent ? `event ${run.userEvent.name}` : 'event';
  const entries = [
    ...run.profileKeys.map((k) => ['answer', k, 'answer']),
    ...run.valueKeys.map((k) => ['value', k, 'value']),
    ...(run.writeBackKeys ?? []).map((k) => ['write-back', k, 'written back']),
    ...(run.userEvent?.propertyKeys ?? []).map((k) => ['event', k, eventLabel]),
  ];
  const list = h(
    'dl',
    { class: 'secrets masked' },
    entries.flatMap(([kind, k, label]) => [h('dt', {}, k, h('span', { class: 'muted' }, ` ${label}`)), h('dd', { dataset: { key: `${kind}:${k}` } }, '••••••')]),
  );
  const button = h('button', { type: 'button', class: 'reveal' }, 'Reveal answers and values');
  const note = h('p', { class: 'hint' }, 'Survey answers may be health data. Revealing them is logged with this run and your session.');
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
  return h('section', { class: 'card', 'aria-label': 'Answers and values' }, h('h2', {}, 'Answers and computed values'), empty ? h('p', { class: 'muted' }, 'None stored.') : [list, button, note]);
}

const LIVE = ['planning', 'pending', 'sending', 'awaiting', 'parked'];

/** Stop this run (editors): the server checks the role and records who stopped it. */
function stopCard(runId) {
  const out = h('p', { class: 'hint' }, 'Messages not sent yet are cancelled; one already on its way still arrives.');
  const button = h('button', { type: 'button', class: 'danger', id: 'stop-run' }, 'Stop this run');
  button.addEventListener('click', async () => {
    if (!confirm('Stop this run? Its messages not sent yet will not be sent.')) return;
    button.disabled = true;
    try {
      await api(`/runs/${encodeURIComponent(runId)}/stop`, { method: 'POST' });
      location.reload();
    } catch (err) {
      button.disabled = false;
      out.replaceChildren(errorBox(err.message));
    }
  });
  return h('section', { class: 'card', 'aria-label': 'Stop this run' }, button, out);
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
      h('dt', {}, 'run'),
      h('dd', {}, h('code', {}, r.id)),
      h('dt', {}, 'chat'),
      h('dd', {}, h('a', { href: `#/runs?chatId=${encodeURIComponent(r.chat_id)}` }, h('code', {}, r.chat_id))),
      h('dt', {}, 'user'),
      h('dd', {}, r.user_id ? h('a', { href: `#/runs?userId=${encodeURIComponent(r.user_id)}` }, h('code', {}, r.user_id)) : '—'),
      h('dt', {}, 'channel'),
      h('dd', {}, r.channel_id ?? '—'),
      h('dt', {}, 'version'),
      h('dd', {}, versionLink(r)),
      h('dt', {}, 'language'),
      h('dd', {}, r.lang ?? '—'),
      h('dt', {}, 'reason'),
      h('dd', { class: r.reason ? 'run-reason' : null }, r.reason ?? '—'),
    ),
  );
  const messages = d.messages.map((m) => ({ seq: m.seq, delayMs: m.delay_ms, rendered: m.rendered, state: m.state }));
  const session = await api('/session').catch(() => ({}));
  view.append(
    h('p', {}, h('a', { href: '#/runs' }, '← Runs')),
    h('h1', {}, 'Run'),
    header,
    LIVE.includes(r.state) && session.role !== 'viewer' ? stopCard(r.id) : null,
    h('div', { class: 'two-col' }, h('section', { class: 'card' }, h('h2', {}, 'Timeline'), timeline(d)), h('section', { class: 'card' }, h('h2', {}, 'What the customer sees'), messages.length ? chatView(messages) : h('p', { class: 'muted' }, 'No messages planned.'))),
    secretsCard(r.id, r),
  );
}
