// Builds DOM from data without ever parsing HTML: every string becomes a text
// node, so nothing a customer or a curation file says can turn into markup.

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

const pad = (n) => String(n).padStart(2, '0');

/** Local date and time, to the second: 2026-01-02 03:04:05. */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(Number(ms));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  const v = Number(ms);
  if (Math.abs(v) < 1000) return `${Math.round(v)} ms`;
  if (Math.abs(v) < 60_000) return `${(v / 1000).toFixed(1)} s`;
  const join = (a, ua, b, ub) => (b ? `${a} ${ua} ${b} ${ub}` : `${a} ${ua}`);
  if (Math.abs(v) < 3_600_000) return join(Math.floor(v / 60_000), 'min', Math.round((v % 60_000) / 1000), 's');
  if (Math.abs(v) < 86_400_000) return join(Math.floor(v / 3_600_000), 'h', Math.round((v % 3_600_000) / 60_000), 'min');
  return join(Math.floor(v / 86_400_000), 'd', Math.round((v % 86_400_000) / 3_600_000), 'h');
}

export function badge(state) {
  return h('span', { class: ['badge', `state-${state}`] }, state);
}

export function errorBox(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}
