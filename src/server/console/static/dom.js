// Builds DOM from data without ever parsing HTML: every string becomes a text
// node, so nothing a customer or a curation file says can turn into markup.
import { fmtDateTime, fmtNumber, has, t } from './i18n.js';
import { durationWording } from './reason-words.js';

/** h('div', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'multiple' || k === 'required') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Date and time to the second, in the operator's locale and the channel's time zone. */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return fmtDateTime(ms);
}

// Two units, the second left out when it is zero: 3 min, 3 min 20 s (reason-words.js, shared with `curation preview`).
const duration = durationWording(t, fmtNumber);

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  return duration(Number(ms));
}

/** A state's name in the operator's language (state.* keys); a word the catalogue lacks shows as it is. */
export function badge(state) {
  return h('span', { class: ['badge', `state-${state}`] }, has(`state.${state}`) ? t(`state.${state}`) : state);
}

export function errorBox(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}
