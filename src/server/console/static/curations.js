// The loaded curations and their triggers; reload from disk keeps the live
// version when a file is broken.
import { api } from './api.js';
import { badge, clear, errorBox, fmtDuration, h } from './dom.js';

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
    h('p', { class: 'card-links' }, h('a', { href: `#/simulator/${encodeURIComponent(c.id)}` }, 'Simulate'), ' · ', h('a', { href: `#/editor/${encodeURIComponent(c.id)}`, class: 'edit' }, 'Edit')),
  );
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
  view.append(h('div', { class: 'title-row' }, h('h1', {}, 'Curations'), reload), status, list);
}
