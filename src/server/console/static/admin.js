// The admins' page: accounts (create, role, new password, disable and
// enable) and the audit log (filter, CSV export). The server refuses every
// call below to anyone but an admin; this page only says so.
import { api, session } from './api.js';
import { clear, fmtTime, h } from './dom.js';
import { has, lang, rememberLanguage, setTimeZone, t, tn, translatePage, zoneOffsetMinutes } from './i18n.js';

translatePage();

const error = document.getElementById('admin-error');

function fail(message) {
  error.textContent = message;
  error.hidden = false;
}

/** The console API as every page calls it (api.js: the session's CSRF token, sign-in on 401, the server's error in words). */
const call = (method, path, body) => api(path, { method, body });

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

/** 00:00 of a day (`YYYY-MM-DD`) in the channel's zone, as epoch ms: the filter's days are the channel's, not the browser's. */
function dayStart(day) {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  // Twice: the offset at the first guess may differ (a day that starts or ends daylight saving).
  const guess = wall + zoneOffsetMinutes(wall) * 60_000;
  return wall + zoneOffsetMinutes(guess) * 60_000;
}
const nextDay = (day) => new Date(Date.parse(`${day}T00:00Z`) + 86_400_000).toISOString().slice(0, 10);

function filterQuery() {
  const f = document.getElementById('audit-filter').elements;
  const q = new URLSearchParams();
  if (f.action.value) q.set('action', f.action.value);
  if (f.actor.value.trim()) q.set('actor', f.actor.value.trim());
  if (f.since.value) q.set('since', String(dayStart(f.since.value)));
  if (f.until.value) q.set('until', String(dayStart(nextDay(f.until.value))));
  return q.toString();
}

/** An action's name; a code this page does not know (a newer service's) shows as it is. */
const actionName = (action) => (has(`audit.action.${action}`) ? t(`audit.action.${action}`) : action);
const roleName = (role) => (has(`role.${role}`) ? t(`role.${role}`) : String(role));
const METHODS = { password: () => t('audit.method.password'), 'admin token': () => t('audit.method.adminToken') };
const methodName = (m) => METHODS[m]?.() ?? String(m);
const sessionsEnded = (d) => (d.sessionsEnded > 0 ? tn('audit.detail.sessionsEnded', d.sessionsEnded) : null);
const golden = (d) => (d.goldenFailed > 0 ? tn('audit.detail.goldenFailing', d.goldenFailed) : null);

/** One readable line of what a row's details say; ids, versions, reasons, roles: never a profile value (the log holds none). */
function auditDetails(e) {
  const d = e.details ?? {};
  const parts = (() => {
    switch (e.action) {
      case 'sign_in':
        return [t('audit.detail.signIn', { method: methodName(d.method), role: roleName(d.role) })];
      case 'sign_in.failed':
        return [t('audit.detail.signInFailed', { method: methodName(d.method) })];
      case 'account.created':
        return [t('audit.detail.role', { role: roleName(d.role) })];
      case 'account.role_changed':
        return [t('audit.detail.roleChanged', { from: roleName(d.from), role: roleName(d.role) }), sessionsEnded(d)];
      case 'account.password_reset':
      case 'account.disabled':
      case 'account.enabled':
        return [sessionsEnded(d)];
      case 'curation.published':
        return [t('audit.detail.version', { version: d.version }), d.takeOver ? t('audit.detail.takeOver') : null, golden(d)];
      case 'curation.tests_overridden':
        return [t('audit.detail.version', { version: d.version }), t('audit.detail.goldenFailed', { failed: d.goldenFailed, total: d.goldenTotal }), t('audit.detail.reason', { reason: d.reason ?? '' })];
      case 'curation.rolled_back':
        return [t('audit.detail.rolledBack', { version: d.version, from: d.from })];
      case 'curation.switched':
        return [d.on ? t('audit.detail.switchedOn') : t('audit.detail.switchedOff')];
      case 'profile.revealed':
      case 'run.stopped':
        return [d.runId && d.runId !== e.target ? t('audit.detail.run', { id: d.runId }) : null];
      case 'webhook.unblocked':
        return [d.outcome === 'unblocked' ? t('audit.detail.unblocked') : d.outcome === 'not_blocked' ? t('audit.detail.notBlocked') : t('audit.detail.unblockFailed')];
      default:
        // A newer service's action: its details as they are, rather than nothing.
        return [Object.keys(d).length ? JSON.stringify(d) : null];
    }
  })();
  return parts.filter(Boolean).join(' · ');
}

/** Who: an account's name as it is; the command line and the break-glass token in words. */
const actorName = (actor) => (actor === 'cli' || actor === 'break-glass' ? t(`audit.actor.${actor}`) : actor);

function auditRow(e) {
  return h(
    'tr',
    {},
    h('td', {}, fmtTime(e.at)),
    h('td', {}, actorName(e.actor)),
    h('td', { dataset: { action: e.action } }, actionName(e.action)),
    h('td', {}, e.target ?? ''),
    h('td', {}, auditDetails(e)),
    h('td', {}, e.address ?? ''),
  );
}

/** The action filter: every action the log records, by name (the server says which). */
function fillActions(actions) {
  const select = document.getElementById('f-action');
  if (select.options.length > 1) return;
  select.append(...actions.map((a) => h('option', { value: a }, actionName(a))));
}

async function loadAll() {
  const { accounts } = await call('GET', '/accounts');
  clear(document.querySelector('#accounts tbody')).append(...accounts.map(accountRow));
  const q = filterQuery();
  document.getElementById('audit-csv').href = `/console/api/audit.csv${q ? `?${q}` : ''}`;
  const { entries, actions } = await call('GET', `/audit${q ? `?${q}` : ''}`);
  fillActions(actions ?? []);
  clear(document.querySelector('#audit tbody')).append(...entries.map(auditRow));
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
  const s = await session();
  setTimeZone(s.timeZone);
  // The account's language wins, as on the console's other pages.
  if (s.language && s.language !== lang && rememberLanguage(s.language)) location.reload();
  if (s.role !== 'admin') fail(t('admin.notAdmin', { role: t(`role.${s.role}`) }));
  else await loadAll();
} catch (e) {
  fail(e.message);
}
