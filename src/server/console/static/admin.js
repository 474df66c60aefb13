// The admins' page: accounts (create, role, new password, disable and
// enable) and the audit log (filter, CSV export). The server refuses every
// call below to anyone but an admin; this page only says so.
import { clear, fmtTime, h } from './dom.js';
import { lang, rememberLanguage, serverError, setTimeZone, t, translatePage } from './i18n.js';

translatePage();

const api = '/console/api';
const error = document.getElementById('admin-error');
let csrf = '';

function fail(message) {
  error.textContent = message;
  error.hidden = false;
}

async function call(method, path, body) {
  const res = await fetch(api + path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json', 'x-csrf-token': csrf } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401) location.href = '/console/login';
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(serverError(data, res.status));
  return data;
}

const act = (fn) => async () => {
  error.hidden = true;
  try {
    await fn();
    await loadAll();
  } catch (e) {
    fail(e.message);
  }
};

function accountRow(a) {
  const role = h('select', { 'aria-label': t('admin.roleOf', { name: a.name }), onchange: act(() => call('POST', `/accounts/${encodeURIComponent(a.name)}/role`, { role: role.value })) },
    ['viewer', 'editor', 'admin'].map((r) => h('option', { value: r, selected: r === a.role }, t(`role.${r}`))));
  const reset = () => {
    const password = prompt(t('admin.newPasswordPrompt', { name: a.name }));
    return password ? call('POST', `/accounts/${encodeURIComponent(a.name)}/password`, { password }) : Promise.resolve();
  };
  return h('tr', {},
    h('td', {}, a.name),
    h('td', {}, role),
    h('td', {}, a.disabled ? t('admin.disabled') : t('admin.active')),
    h('td', {},
      h('button', { type: 'button', onclick: act(reset) }, t('admin.newPassword')), ' ',
      h('button', { type: 'button', onclick: act(() => call('POST', `/accounts/${encodeURIComponent(a.name)}/${a.disabled ? 'enable' : 'disable'}`, {})) }, a.disabled ? t('admin.enable') : t('admin.disable'))));
}

function filterQuery() {
  const f = document.getElementById('audit-filter').elements;
  const q = new URLSearchParams();
  if (f.action.value.trim()) q.set('action', f.action.value.trim());
  if (f.actor.value.trim()) q.set('actor', f.actor.value.trim());
  // Dates are the browser's local days.
  if (f.since.value) q.set('since', String(new Date(`${f.since.value}T00:00`).getTime()));
  if (f.until.value) q.set('until', String(new Date(`${f.until.value}T00:00`).getTime() + 86_400_000));
  return q.toString();
}

async function loadAll() {
  const { accounts } = await call('GET', '/accounts');
  clear(document.querySelector('#accounts tbody')).append(...accounts.map(accountRow));
  const q = filterQuery();
  document.getElementById('audit-csv').href = `${api}/audit.csv${q ? `?${q}` : ''}`;
  const { entries } = await call('GET', `/audit${q ? `?${q}` : ''}`);
  clear(document.querySelector('#audit tbody')).append(
    ...entries.map((e) => h('tr', {}, h('td', {}, fmtTime(e.at)), h('td', {}, e.actor), h('td', {}, e.action), h('td', {}, e.target ?? ''), h('td', {}, JSON.stringify(e.details)), h('td', {}, e.address ?? ''))),
  );
}

document.getElementById('new-account').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  void act(async () => {
    await call('POST', '/accounts', { name: f.name.value.trim(), role: f.role.value, password: f.password.value });
    ev.target.reset();
  })();
});
document.getElementById('audit-filter').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void act(() => Promise.resolve())();
});

try {
  const s = await call('GET', '/session');
  csrf = s.csrf;
  setTimeZone(s.timeZone);
  // The account's language wins, as on the console's other pages.
  if (s.language && s.language !== lang && rememberLanguage(s.language)) location.reload();
  if (s.role !== 'admin') fail(t('admin.notAdmin', { role: t(`role.${s.role}`) }));
  else await loadAll();
} catch (e) {
  fail(e.message);
}
