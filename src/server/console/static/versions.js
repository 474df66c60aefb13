// A curation's history (issue 19 item 3): its versions (number, from its file
// or the console, who, when, the note, a golden-test override, which is live),
// any version's text, a side-by-side diff of any two (CodeMirror's merge view)
// and Roll back, which publishes an old text again as a new number. Reached
// from the editor and from a run's timeline (#/history/<id>?version=N).
import { api } from './api.js';
import { badge, errorBox, fmtTime, h } from './dom.js';
import { t } from './i18n.js';

async function loadCodeMirror() {
  try {
    return await import('/console/static/codemirror.js');
  } catch {
    return null;
  }
}

/** What a refused write says: the API's message, else its reason, else the HTTP error. */
export function refusal(err) {
  // A refusal with a catalogue key was already put in the operator's language (api.js).
  if (typeof err?.data?.code === 'string') return err.message;
  return err?.data?.message ?? err?.data?.error ?? err?.data?.reason ?? err?.message ?? String(err);
}

/**
 * A host for CodeMirror in a shadow root: there its styles are constructed
 * style sheets, which the console's Content-Security-Policy (no inline styles) allows.
 */
export function codeHost(attrs) {
  const host = h('div', { class: 'cm-host', ...attrs });
  const shadow = host.attachShadow({ mode: 'open' });
  const mount = h('div', { class: 'cm-mount' });
  shadow.append(h('link', { rel: 'stylesheet', href: '/console/static/editor.css' }), mount);
  return { host, shadow, mount };
}

function readOnly(cm) {
  return [cm.lineNumbers(), cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }), cm.yaml(), cm.EditorState.readOnly.of(true), cm.EditorView.editable.of(false)];
}

export function originText(v) {
  return v.origin === 'file' ? t('history.fromFile', { file: v.file ?? '' }).trim() : v.origin === 'console' ? t('history.fromConsole') : v.origin;
}

function ownerText(owner, id) {
  if (owner === 'file') return t('history.ownerFile', { id });
  if (owner === 'console') return t('history.ownerConsole', { id });
  return t('history.ownerNone', { id });
}

function versionRow(v, live, actions) {
  return h(
    'tr',
    { dataset: { version: String(v.version) }, class: v.version === live ? 'live' : null },
    h('td', {}, h('strong', {}, String(v.version)), v.version === live ? [' ', badge('live')] : null),
    h('td', { class: 'origin' }, originText(v)),
    h('td', {}, v.publishedBy ?? '—'),
    h('td', {}, fmtTime(v.publishedAt)),
    h('td', { class: 'note' }, v.note ?? '—'),
    h('td', { class: 'override' }, v.testsOverride ? t('history.overridden', { reason: v.testsOverride }) : '—'),
    h('td', { class: 'actions' }, actions),
  );
}

export async function showHistory({ view, params, onLeave }, curationId) {
  const enc = encodeURIComponent(curationId);
  const cm = await loadCodeMirror();
  const status = h('div', { class: 'history-status', role: 'status', 'aria-live': 'polite' });
  const table = h('table', { class: 'versions', 'aria-label': t('history.versions') });
  const textCard = h('section', { class: 'card version-text', 'aria-label': t('history.versionText'), hidden: true });
  const diffCard = h('section', { class: 'card version-diff', 'aria-label': t('history.diff') });
  const pickA = h('select', { id: 'diff-a', name: 'a', 'aria-label': t('history.left') });
  const pickB = h('select', { id: 'diff-b', name: 'b', 'aria-label': t('history.right') });
  const diffButton = h('button', { type: 'button', id: 'show-diff' }, t('history.showDiff'));
  const diffMount = h('div', { class: 'diff-mount' });
  let shown = null;
  let merge = null;
  onLeave(() => {
    shown?.destroy();
    merge?.destroy();
  });

  view.append(
    h('p', {}, h('a', { href: `#/editor/${enc}` }, t('history.backToEdit', { id: curationId })), ' · ', h('a', { href: '#/curations' }, t('history.curations'))),
    h('div', { class: 'title-row' }, h('h1', {}, t('history.title', { id: curationId }))),
  );
  if (!cm) {
    view.append(errorBox(t('editor.notBuilt')));
    return;
  }
  const owner = h('p', { class: 'hint owner' });
  view.append(owner, status, h('section', { class: 'card' }, table), textCard, diffCard);
  diffCard.append(
    h('h2', {}, t('history.compare')),
    h('div', { class: 'search-row' }, h('label', { class: 'field' }, h('span', {}, t('history.leftShort')), pickA), h('label', { class: 'field' }, h('span', {}, t('history.rightShort')), pickB), diffButton),
    diffMount,
  );

  async function showText(n) {
    const v = await api(`/curations/${enc}/versions/${n}`);
    shown?.destroy();
    const { host, shadow, mount } = codeHost({ id: 'version-source', dataset: { version: String(n) } });
    textCard.hidden = false;
    textCard.replaceChildren(
      h('h2', {}, t('history.version', { n: v.version })),
      h('p', { class: 'muted' }, `${originText(v)} · ${v.publishedBy ?? '—'} · ${fmtTime(v.publishedAt)}${v.note ? ` · ${v.note}` : ''}`),
      host,
    );
    shown = new cm.EditorView({ parent: mount, root: shadow, state: cm.EditorState.create({ doc: v.source, extensions: readOnly(cm) }) });
    for (const tr of table.querySelectorAll('tr[data-version]')) tr.classList.toggle('shown', tr.dataset.version === String(n));
  }

  async function showDiff() {
    const [a, b] = await Promise.all([api(`/curations/${enc}/versions/${pickA.value}`), api(`/curations/${enc}/versions/${pickB.value}`)]);
    merge?.destroy();
    const { host, shadow, mount } = codeHost({ id: 'version-diff', dataset: { a: String(a.version), b: String(b.version) } });
    diffMount.replaceChildren(h('p', { class: 'muted' }, t('history.leftRight', { a: a.version, b: b.version })), host);
    merge = new cm.MergeView({ a: { doc: a.source, extensions: readOnly(cm) }, b: { doc: b.source, extensions: readOnly(cm) }, parent: mount, root: shadow, collapseUnchanged: { margin: 3, minSize: 6 } });
  }

  async function rollBack(n, live) {
    if (!window.confirm(t('history.confirmRollback', { n, live }))) return;
    try {
      const r = await api(`/curations/${enc}/rollback`, { method: 'POST', body: { version: n } });
      await draw();
      status.replaceChildren(h('p', { class: 'ok', id: 'rollback-done' }, t('history.rolledBack', { version: r.version, n })));
    } catch (err) {
      status.replaceChildren(errorBox(t('history.rollbackRefused', { reason: refusal(err) })));
    }
  }

  async function draw() {
    const d = await api(`/curations/${enc}/versions`);
    owner.textContent = ownerText(d.owner, curationId);
    const live = d.liveVersion;
    table.replaceChildren(
      h('thead', {}, h('tr', {}, [t('history.col.version'), t('history.col.from'), t('history.col.by'), t('history.col.when'), t('history.col.note'), t('history.col.tests'), ''].map((label) => h('th', {}, label)))),
      h(
        'tbody',
        {},
        d.versions.length === 0 ? h('tr', {}, h('td', { colspan: '7', class: 'muted' }, d.draft ? t('history.noneDraft') : t('history.none'))) : null,
        d.versions.map((v) =>
          versionRow(v, live, [
            h('button', { type: 'button', class: 'view', onclick: () => void showText(v.version).catch((e) => status.replaceChildren(errorBox(refusal(e)))) }, t('history.view')),
            v.version === live ? null : h('button', { type: 'button', class: 'rollback', onclick: () => void rollBack(v.version, live) }, t('history.rollback')),
          ]),
        ),
      ),
    );
    const options = (sel, pick) => sel.replaceChildren(...d.versions.map((v) => h('option', { value: String(v.version), selected: v.version === pick }, t(v.version === live ? 'history.optionLive' : 'history.option', { n: v.version }))));
    const newest = d.versions[0]?.version ?? null;
    options(pickA, d.versions[1]?.version ?? newest);
    options(pickB, newest);
    diffButton.disabled = d.versions.length === 0;
  }

  diffButton.addEventListener('click', () => void showDiff().catch((e) => diffMount.replaceChildren(errorBox(refusal(e)))));
  await draw();
  const asked = Number(params.get('version'));
  if (Number.isInteger(asked) && asked > 0) await showText(asked);
}
