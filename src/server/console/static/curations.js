// The loaded curations and their triggers; reload from disk keeps the live
// version when a file is broken. "New curation" starts one from the template
// or from a copy of another's live text, kept as a draft until published.
import { api, session } from './api.js';
import { badge, clear, errorBox, fmtDuration, h } from './dom.js';
import { copySource, newIdProblem, templateSource } from './curation-new.js';
import { refusal } from './versions.js';
import { t, words } from './i18n.js';

/** A viewer sees what runs; the links and buttons that change a curation are for editors (the server refuses a viewer either way). */
function curationCard(c, canEdit) {
  return h(
    'li',
    { class: 'card curation', dataset: { id: c.id } },
    h('div', { class: 'run-head' }, h('strong', {}, c.id), c.enabled ? badge('enabled') : badge('disabled'), h('span', { class: 'muted' }, c.file)),
    c.title ? h('p', {}, c.title) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('curation.fact.trigger')),
      // The server describes the trigger as words (curation/triggers/registry.ts triggerWords), so a new kind needs only its keys.
      h('dd', { class: 'trigger' }, c.triggerWords.map(words).join(' · ')),
      h('dt', {}, t('curation.fact.limits')),
      h('dd', {}, [c.limits.oncePerChat ? t('curation.oncePerChat') : t('curation.mayRepeat'), c.limits.cooldownMs ? t('curation.cooldown', { duration: fmtDuration(c.limits.cooldownMs) }) : null].filter(Boolean).join(' · ')),
      h('dt', {}, t('curation.fact.answers')),
      h('dd', {}, c.fields.map((f) => f.name).join(', ') || '—'),
      h('dt', {}, t('curation.fact.messages')),
      h('dd', {}, t(c.hasFallback ? 'curation.messageCountFallback' : 'curation.messageCount', { count: c.messageCount, languages: c.languages.join(', ') })),
    ),
    canEdit
      ? h('p', { class: 'card-links' }, h('a', { href: `#/simulator/${encodeURIComponent(c.id)}` }, t('curation.simulate')), ' · ', h('a', { href: `#/editor/${encodeURIComponent(c.id)}`, class: 'edit' }, t('curation.edit')), ' · ', h('a', { href: `#/history/${encodeURIComponent(c.id)}`, class: 'history' }, t('curation.history')))
      : null,
    canEdit ? onOff(c) : null,
  );
}

/** The console's on/off switch (editors; the server refuses a viewer): off, the curation starts no new run, runs under way finish; no version is made. */
function onOff(c) {
  const button = h('button', { type: 'button', class: 'switch', dataset: { on: String(c.enabled) } }, t(c.enabled ? 'curation.switchOff' : 'curation.switchOn'));
  const out = h('span', { 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/curations/${encodeURIComponent(c.id)}/switch`, { method: 'POST', body: { on: !c.enabled } });
      location.reload();
    } catch (err) {
      button.disabled = false;
      out.replaceChildren(errorBox(err.message));
    }
  });
  return h('p', {}, button, out);
}

export async function showCurations({ view }) {
  const list = h('ul', { class: 'curation-list' });
  const status = h('div', { 'aria-live': 'polite' });
  const reload = h('button', { type: 'button', class: 'primary', id: 'reload' }, t('curations.reload'));
  const who = await session().catch(() => ({}));
  const canEdit = who.role === 'editor' || who.role === 'admin';
  const draw = (curations) => list.replaceChildren(...curations.map((c) => curationCard(c, canEdit)));
  reload.addEventListener('click', async () => {
    reload.disabled = true;
    clear(status);
    try {
      const r = await api('/curations/reload', { method: 'POST' });
      if (r.ok) status.append(h('p', { class: 'ok' }, t('curations.reloaded', { ids: r.ids.join(', ') })));
      else status.append(h('div', { class: 'error', role: 'alert' }, h('p', {}, t('curations.reloadRefused')), h('ul', {}, r.errors.map((e) => h('li', {}, h('code', {}, e))))));
      draw(r.curations);
    } catch (err) {
      status.append(errorBox(err.message));
    } finally {
      reload.disabled = false;
    }
  });
  const { curations } = await api('/curations');
  draw(curations);
  const create = h('a', { href: '#/new', class: 'button', id: 'new-curation' }, t('curations.new'));
  view.append(h('div', { class: 'title-row' }, h('h1', {}, t('curations.title')), canEdit ? create : null, canEdit ? reload : null), status, list);
}

/** New curation: an id, and its first text from the template or a copy; saved as its draft, then opened in the editor. */
export async function showNewCuration({ view, navigate }) {
  const { curations } = await api('/curations');
  const ids = curations.map((c) => c.id);
  const id = h('input', { id: 'new-id', name: 'id', type: 'text', required: true, maxlength: '64', autocomplete: 'off', pattern: '[A-Za-z0-9_-]{1,64}' });
  const from = h('select', { id: 'new-from', name: 'from' }, h('option', { value: '' }, t('newCuration.template')), ids.map((c) => h('option', { value: c }, t('newCuration.copyOf', { id: c }))));
  const problem = h('p', { class: 'field-problem', id: 'new-id-problem', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary', id: 'new-open' }, t('newCuration.open'));
  const form = h(
    'form',
    { class: 'card new-curation', novalidate: true },
    h('label', { class: 'field' }, h('span', {}, t('newCuration.id')), id),
    problem,
    h('label', { class: 'field' }, h('span', {}, t('newCuration.from')), from),
    h('p', { class: 'hint' }, t('newCuration.hint')),
    go,
  );
  const said = (p) => (p ? t(p.code, p.params) : '');
  id.addEventListener('input', () => (problem.textContent = id.value === '' ? '' : said(newIdProblem(id.value, ids))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const why = newIdProblem(id.value, ids);
    problem.textContent = said(why);
    if (why) return;
    go.disabled = true;
    try {
      const source = from.value === '' ? templateSource(id.value) : copySource((await api(`/curations/${encodeURIComponent(from.value)}/source`)).source, from.value, id.value);
      await api(`/curations/${encodeURIComponent(id.value)}/draft`, { method: 'PUT', body: { source } });
      navigate(`#/editor/${encodeURIComponent(id.value)}`);
    } catch (err) {
      go.disabled = false;
      problem.replaceChildren(errorBox(refusal(err)));
    }
  });
  view.append(h('p', {}, h('a', { href: '#/curations' }, t('newCuration.back'))), h('h1', {}, t('curations.new')), form);
}
