// The loaded curations and their triggers; reload from disk keeps the live
// version when a file is broken. "New curation" starts one from the template
// or from a copy of another's live text, kept as a draft until published.
import { api } from './api.js';
import { badge, clear, errorBox, fmtDuration, h } from './dom.js';
import { copySource, newIdProblem, templateSource } from './curation-new.js';
import { refusal } from './versions.js';

function curationCard(c) {
  return h(
    'li',
    { class: 'card curation', dataset: { id: c.id } },
    h('div', { class: 'run-head' }, h('strong', {}, c.id), c.enabled ? badge('enabled') : badge('disabled'), h('span', { class: 'muted' }, c.file)),
    c.title ? h('p', {}, c.title) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'trigger'),
      // The server describes the trigger (curation/triggers/registry.ts), so a new kind needs nothing here.
      h('dd', { class: 'trigger' }, c.triggerText),
      h('dt', {}, 'limits'),
      h('dd', {}, [c.limits.oncePerChat ? 'once per chat' : 'may repeat in a chat', c.limits.cooldownMs ? `cooldown ${fmtDuration(c.limits.cooldownMs)}` : null].filter(Boolean).join(' · ')),
      h('dt', {}, 'answers'),
      h('dd', {}, c.fields.map((f) => f.name).join(', ') || '—'),
      h('dt', {}, 'messages'),
      h('dd', {}, `${c.messageCount} in ${c.languages.join(', ')}${c.hasFallback ? ', with fallback' : ''}`),
    ),
    h('p', { class: 'card-links' }, h('a', { href: `#/simulator/${encodeURIComponent(c.id)}` }, 'Simulate'), ' · ', h('a', { href: `#/editor/${encodeURIComponent(c.id)}`, class: 'edit' }, 'Edit'), ' · ', h('a', { href: `#/history/${encodeURIComponent(c.id)}`, class: 'history' }, 'History')),
    onOff(c),
  );
}

/** The console's on/off switch (editors; the server refuses a viewer): off, the curation starts no new run, runs under way finish; no version is made. */
function onOff(c) {
  const button = h('button', { type: 'button', class: 'switch', dataset: { on: String(c.enabled) } }, c.enabled ? 'Switch off' : 'Switch on');
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
  const reload = h('button', { type: 'button', class: 'primary', id: 'reload' }, 'Reload from disk');
  const draw = (curations) => list.replaceChildren(...curations.map(curationCard));
  reload.addEventListener('click', async () => {
    reload.disabled = true;
    clear(status);
    try {
      const r = await api('/curations/reload', { method: 'POST' });
      if (r.ok) status.append(h('p', { class: 'ok' }, `Reloaded: ${r.ids.join(', ')}`));
      else status.append(h('div', { class: 'error', role: 'alert' }, h('p', {}, 'Reload refused; the previous version stays live.'), h('ul', {}, r.errors.map((e) => h('li', {}, h('code', {}, e))))));
      draw(r.curations);
    } catch (err) {
      status.append(errorBox(err.message));
    } finally {
      reload.disabled = false;
    }
  });
  const { curations } = await api('/curations');
  draw(curations);
  const create = h('a', { href: '#/new', class: 'button', id: 'new-curation' }, 'New curation');
  view.append(h('div', { class: 'title-row' }, h('h1', {}, 'Curations'), create, reload), status, list);
}

/** New curation: an id, and its first text from the template or a copy; saved as its draft, then opened in the editor. */
export async function showNewCuration({ view, navigate }) {
  const { curations } = await api('/curations');
  const ids = curations.map((c) => c.id);
  const id = h('input', { id: 'new-id', name: 'id', type: 'text', required: true, maxlength: '64', autocomplete: 'off', pattern: '[A-Za-z0-9_-]{1,64}' });
  const from = h('select', { id: 'new-from', name: 'from' }, h('option', { value: '' }, 'the template'), ids.map((c) => h('option', { value: c }, `a copy of ${c}`)));
  const problem = h('p', { class: 'field-problem', id: 'new-id-problem', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary', id: 'new-open' }, 'Open in the editor');
  const form = h(
    'form',
    { class: 'card new-curation', novalidate: true },
    h('label', { class: 'field' }, h('span', {}, 'Id'), id),
    problem,
    h('label', { class: 'field' }, h('span', {}, 'Start from'), from),
    h('p', { class: 'hint' }, 'It is kept as a draft: nothing runs until you publish it from the editor. A copy starts disabled, since it keeps the trigger of the curation it copies.'),
    go,
  );
  id.addEventListener('input', () => (problem.textContent = id.value === '' ? '' : (newIdProblem(id.value, ids) ?? '')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const why = newIdProblem(id.value, ids);
    problem.textContent = why ?? '';
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
  view.append(h('p', {}, h('a', { href: '#/curations' }, '← Curations')), h('h1', {}, 'New curation'), form);
}
