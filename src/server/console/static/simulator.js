// What would a customer with these answers receive? A form built from the
// curation's profile contract; the server runs the service's own plan() on it.
import { api } from './api.js';
import { badge, clear, errorBox, h } from './dom.js';
import { chatView } from './chat.js';
import { t } from './i18n.js';
import { languageName, pickLabel, problemText, reasonText, valueLabel } from './words.js';

const OTHER = '__other_answer__';

function range(f) {
  const unit = f.unit ? ` ${f.unit}` : '';
  if (f.min !== null && f.max !== null) return `${f.min}–${f.max}${unit}`;
  if (f.min !== null) return t('sim.atLeast', { min: f.min }) + unit;
  if (f.max !== null) return t('sim.atMost', { max: f.max }) + unit;
  return f.unit ?? '';
}

function input(f) {
  const id = `field-${f.name}`;
  switch (f.type) {
    case 'number':
      return h('div', { class: 'with-unit' }, h('input', { id, name: f.key, type: 'number', step: 'any', inputmode: 'decimal', min: f.min ?? undefined, max: f.max ?? undefined }), f.unit ? h('span', { class: 'unit' }, f.unit) : null);
    case 'text':
      return h('input', { id, name: f.key, type: 'text', maxlength: f.maxLength ?? undefined });
    case 'boolean':
      return h('select', { id, name: f.key }, h('option', { value: '' }, t('sim.noAnswer')), h('option', { value: 'true' }, t('sim.yes')), h('option', { value: 'false' }, t('sim.no')));
    case 'option': {
      const opts = f.options.map((o) => h('option', { value: o.labels[0] ?? o.key }, `${o.labels[0] ?? o.key}`));
      const other = f.otherwise && !f.options.some((o) => o.key === f.otherwise) ? h('option', { value: OTHER }, t('sim.otherAnswer', { key: f.otherwise })) : null;
      return h('select', { id, name: f.key }, h('option', { value: '' }, t('sim.noAnswer')), opts, other);
    }
    case 'list':
      return h(
        'fieldset',
        { id, class: 'checks', 'data-list': f.key },
        f.options.map((o) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: f.key, value: o.labels[0] ?? o.key }), ` ${o.labels[0] ?? o.key}`)),
      );
    default:
      return h('input', { id, name: f.key });
  }
}

export function fieldRow(f) {
  const hint = [f.type === 'number' ? range(f) : null, f.required ? null : t('sim.optional'), f.consent ? t('sim.consent') : null].filter(Boolean).join(' · ');
  return h(
    'div',
    { class: 'form-field', dataset: { field: f.name, key: f.key } },
    h('label', { for: `field-${f.name}` }, pickLabel(f.label, f.name), h('span', { class: 'muted' }, ` ${f.key}`)),
    input(f),
    hint ? h('div', { class: 'hint' }, hint) : null,
    h('div', { class: 'field-error', role: 'alert', hidden: true }),
  );
}

export function readProfile(form, fields) {
  const profile = {};
  for (const f of fields) {
    if (f.type === 'list') {
      profile[f.key] = [...form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(f.key)}"]:checked`)].map((c) => c.value);
      continue;
    }
    const el = form.elements.namedItem(f.key);
    const v = el?.value ?? '';
    if (v === '') continue;
    if (f.type === 'number') profile[f.key] = Number.isFinite(Number(v)) ? Number(v) : v;
    else if (f.type === 'boolean') profile[f.key] = v === 'true';
    else profile[f.key] = v === OTHER ? '(other answer)' : v;
  }
  return profile;
}

/** Computed values under their labels (the name when a value has none). */
export function valuesTable(values, labels) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return h('p', { class: 'muted' }, t('sim.noValues'));
  return h('dl', { class: 'facts values' }, entries.flatMap(([k, v]) => [h('dt', {}, valueLabel(labels, k)), h('dd', { dataset: { value: k } }, typeof v === 'string' ? v : JSON.stringify(v))]));
}

export async function showSimulator({ view, navigate }, curationId) {
  const { curations } = await api('/curations');
  view.append(h('h1', {}, t('sim.title')));
  if (curations.length === 0) {
    view.append(errorBox(t('sim.noCuration')));
    return;
  }
  const current = curations.find((c) => c.id === curationId) ?? curations[0];
  const picker = h('select', { id: 'sim-curation', name: 'curation' }, curations.map((c) => h('option', { value: c.id, selected: c.id === current.id }, c.title ? `${c.id} — ${c.title}` : c.id)));
  picker.addEventListener('change', () => navigate(`#/simulator/${encodeURIComponent(picker.value)}`));
  const lang = h('select', { id: 'sim-lang', name: 'lang' }, current.languages.map((l) => h('option', { value: l, selected: l === current.defaultLanguage }, languageName(l))));
  const form = h(
    'form',
    { class: 'card sim-form', novalidate: true, 'aria-label': t('sim.answers') },
    h('div', { class: 'search-row' }, h('label', { class: 'field' }, h('span', {}, t('sim.curation')), picker), h('label', { class: 'field' }, h('span', {}, t('sim.language')), lang)),
    current.fields.length ? current.fields.map(fieldRow) : h('p', { class: 'muted' }, t('sim.noFields')),
    h('button', { type: 'submit', class: 'primary' }, t('sim.show')),
  );
  const result = h('section', { class: 'card sim-result', 'aria-label': t('sim.result') }, h('p', { class: 'muted' }, t('sim.prompt')));
  view.append(h('div', { class: 'two-col' }, form, result));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) {
      el.hidden = true;
      el.textContent = '';
    }
    for (const el of form.querySelectorAll('.form-field')) el.classList.remove('invalid');
    clear(result).append(h('p', { class: 'muted' }, t('sim.computing')));
    try {
      const r = await api('/simulate', { method: 'POST', body: { curationId: current.id, lang: lang.value, profile: readProfile(form, current.fields) } });
      const unplaced = [];
      for (const p of r.problems) {
        const row = [...form.querySelectorAll('.form-field')].find((el) => el.dataset.field === p.field || el.dataset.key === p.field);
        const err = row?.querySelector('.field-error');
        if (err) {
          err.textContent = err.textContent ? `${err.textContent}; ${problemText(p, r.labels)}` : problemText(p, r.labels);
          err.hidden = false;
          row.classList.add('invalid');
        } else unplaced.push(p);
      }
      // Native append() would print a null child as the text "null": h() skips them.
      clear(result).append(
        ...[
        h('div', { class: 'run-head' }, h('strong', {}, t('sim.outcome')), badge(r.outcome), h('span', { class: 'muted' }, ' ', t('sim.messagesLang', { count: r.messages.length, lang: languageName(r.lang) }))),
        r.reason ? h('p', { class: 'sim-reason' }, reasonText(r.reasonWords, r.reason, r.labels)) : null,
        unplaced.length ? h('ul', { class: 'error' }, unplaced.map((p) => h('li', {}, problemText(p, r.labels)))) : null,
        h('details', { class: 'values-box', open: true }, h('summary', {}, t('sim.values')), valuesTable(r.values, r.labels)),
        r.messages.length ? chatView(r.messages) : h('p', { class: 'muted' }, t('sim.nothing')),
        ].filter(Boolean),
      );
      // On a phone the result is below the form: bring it (or the first field error) into view.
      if (window.matchMedia('(max-width: 799px)').matches) (form.querySelector('.form-field.invalid') ?? result).scrollIntoView({ block: 'start' });
    } catch (err) {
      clear(result).append(errorBox(err.message));
    }
  });
}
