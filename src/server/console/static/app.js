// The console's shell: a hash router over the four sections (and the editor, a curation's history and New curation, reached from Curations).
import { api, session as signedIn } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { showOverview } from './overview.js';
import { showRuns, showRun } from './runs.js';
import { showSimulator } from './simulator.js';
import { showCurations, showNewCuration } from './curations.js';
import { showHistory } from './versions.js';
import { showEditor } from './editor.js';
import { startBanner } from './banner.js';
import { LANGUAGES, lang, rememberLanguage, setTimeZone, t, translatePage } from './i18n.js';

translatePage();

const view = document.getElementById('view');
let leaving = [];

/** Views register clean-ups (timers, charts) that run when the operator navigates away. */
export function onLeave(fn) {
  leaving.push(fn);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(query) };
}

async function route() {
  for (const fn of leaving) fn();
  leaving = [];
  const { parts, params } = parseHash();
  const section = parts[0] || 'overview';
  for (const a of document.querySelectorAll('[data-tab]')) a.classList.toggle('active', a.dataset.tab === (['editor', 'history', 'new'].includes(section) ? 'curations' : section));
  clear(view);
  const ctx = { view, params, onLeave, navigate: (hash) => (location.hash = hash) };
  try {
    if (section === 'overview') await showOverview(ctx);
    else if (section === 'runs' && parts[1]) await showRun(ctx, parts[1]);
    else if (section === 'runs') await showRuns(ctx);
    else if (section === 'simulator') await showSimulator(ctx, parts[1]);
    else if (section === 'curations') await showCurations(ctx);
    else if (section === 'editor' && parts[1]) await showEditor(ctx, parts[1]);
    else if (section === 'history' && parts[1]) await showHistory(ctx, parts[1]);
    else if (section === 'new') await showNewCuration(ctx);
    else view.append(h('h1', {}, t('nav.notFound')), h('p', {}, h('a', { href: '#/overview' }, t('nav.backToOverview'))));
  } catch (err) {
    view.append(errorBox(err.message || String(err)));
  }
}

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('/logout', { method: 'POST' });
  } finally {
    location.href = '/console/login';
  }
});

// The language switch: kept on the account by the server (a break-glass session has no account, so this browser keeps it) and here, so the next page starts in it.
const picker = document.getElementById('language');
picker.append(...LANGUAGES.map((l) => h('option', { value: l, selected: l === lang }, t(`language.${l}`))));
picker.addEventListener('change', async () => {
  const chosen = picker.value;
  rememberLanguage(chosen);
  await api('/session/language', { method: 'PUT', body: { language: chosen } }).catch(() => undefined);
  location.reload();
});

const session = await signedIn();
setTimeZone(session.timeZone);
// The account's language wins over this browser's; a page opened in another language starts over in it.
// Only when the browser kept it: else the reload would start in the old language again, and again.
if (session.language && session.language !== lang && rememberLanguage(session.language)) location.reload();
// Accounts and the audit log are for admins (the server refuses anyone else anyway).
if (session.role !== 'admin') document.getElementById('admin-link')?.remove();

window.addEventListener('hashchange', () => void route());
startBanner(document.getElementById('banner'));
void route();
