// Under the editor (issue 19 items 2, 3, 5): Save draft (kept on the server,
// nothing changes live), What would change (the last real runs' answers
// through the draft and the live version; answers masked as the API gives
// them) and Publish with a note. Publish may be refused: a curation kept in
// its file needs an explicit take-over; failing golden tests need a typed
// reason to publish anyway; a broken text lists its problems at their lines.
import { api } from './api.js';
import { errorBox, fmtTime, h } from './dom.js';
import { refusal } from './versions.js';
import { has, lang as uiLanguage, t, tn, words } from './i18n.js';

function messagesColumn(title, side) {
  return h(
    'div',
    { class: 'impact-side' },
    h('h4', {}, `${title} · `, has(`state.${side.outcome}`) ? t(`state.${side.outcome}`) : side.outcome),
    side.messages.length ? h('ol', { class: 'impact-messages' }, side.messages.map((m) => h('li', {}, m))) : h('p', { class: 'muted' }, t('publish.noMessages')),
  );
}

function impactView(r) {
  return [
    h('p', { class: 'impact-count' }, tn('publish.impact', r.compared, { changed: r.changed, ms: Math.round(r.ms) })),
    r.compared === 0 ? h('p', { class: 'muted' }, t('publish.noRecent')) : null,
    r.examples.map((e) =>
      h(
        'div',
        { class: 'impact-example', dataset: { run: e.runId } },
        h('p', { class: 'muted' }, h('a', { href: `#/runs/${encodeURIComponent(e.runId)}` }, t('publish.run', { time: fmtTime(e.createdAt) }))),
        h('div', { class: 'impact-pair' }, messagesColumn(t('publish.live'), e.before), messagesColumn(t('publish.draft'), e.after)),
      ),
    ),
  ];
}

/**
 * A loader problem in the operator's language (`path: sentence`) when the
 * server sent its key (`check.*`); null in English, where the server's own
 * sentence (and the line `curation check` prints) is it. The editor's list
 * uses it too.
 */
export function problemSentence(p, severity = 'error') {
  if (uiLanguage === 'en' || !p.code || !has(p.code)) return null;
  const said = severity === 'warning' ? t('check.warning', { message: t(p.code, p.params) }) : t(p.code, p.params);
  return p.path === '' ? said : `${p.path}: ${said}`;
}

function problemsList(errors) {
  return h('ul', { class: 'publish-problems' }, errors.map((e) => h('li', {}, e.line === null ? '' : t('publish.line', { line: e.line }), h('code', {}, problemSentence(e) ?? e.check ?? e.message))));
}

function goldenList(golden) {
  return h(
    'ul',
    { class: 'golden-failures' },
    golden.cases
      .filter((c) => !c.passed)
      .map((c) => h('li', { dataset: { name: c.name } }, h('strong', {}, c.name), c.line === null ? '' : t('publish.goldenLine', { line: c.line }), h('pre', { class: 'golden-diff' }, c.lines.map((l) => ' '.repeat(l.indent) + words(l.words)).join('\n')))),
  );
}

/**
 * The panel. `getText()` is the editor's text; `onPublished(version)` runs
 * after a publish (the editor then says which version is live).
 */
export function publishPanel({ curationId, getText, onPublished }) {
  const enc = encodeURIComponent(curationId);
  const saveButton = h('button', { type: 'button', id: 'save-draft' }, t('publish.save'));
  const impactButton = h('button', { type: 'button', id: 'what-would-change' }, t('publish.impactButton'));
  const note = h('input', { id: 'publish-note', name: 'note', type: 'text', maxlength: '500', placeholder: t('publish.notePlaceholder') });
  const publishButton = h('button', { type: 'button', class: 'primary', id: 'publish' }, t('publish.publish'));
  const saved = h('p', { class: 'draft-saved', role: 'status', 'aria-live': 'polite' });
  const impact = h('div', { class: 'impact', id: 'impact', 'aria-live': 'polite' });
  const outcome = h('div', { class: 'publish-outcome', id: 'publish-outcome', 'aria-live': 'polite' });

  async function busy(button, fn) {
    button.disabled = true;
    try {
      await fn();
    } finally {
      button.disabled = false;
    }
  }

  saveButton.addEventListener('click', () =>
    busy(saveButton, async () => {
      try {
        const r = await api(`/curations/${enc}/draft`, { method: 'PUT', body: { source: getText() } });
        saved.replaceChildren(t('publish.saved', { time: fmtTime(r.savedAt) }));
      } catch (err) {
        saved.replaceChildren(errorBox(t('publish.saveFailed', { reason: refusal(err) })));
      }
    }),
  );

  impactButton.addEventListener('click', () =>
    busy(impactButton, async () => {
      impact.replaceChildren(h('p', { class: 'muted' }, t('publish.replaying')));
      try {
        impact.replaceChildren(...impactView(await api(`/curations/${enc}/impact`, { method: 'POST', body: { source: getText() } })).filter(Boolean).flat());
      } catch (err) {
        impact.replaceChildren(errorBox(err?.data?.reason === 'invalid' ? t('publish.draftProblems') : t('publish.compareFailed', { reason: refusal(err) })), err?.data?.errors ? problemsList(err.data.errors) : '');
      }
    }),
  );

  async function publish(extra) {
    const body = { source: getText(), note: note.value, ...extra };
    try {
      const r = await api(`/curations/${enc}/publish`, { method: 'POST', body });
      const golden = r.golden.total ? t('publish.golden', { passed: r.golden.total - r.golden.failed, total: r.golden.total }) : '';
      outcome.replaceChildren(h('p', { class: 'ok', id: 'published' }, t('publish.published', { version: r.version, golden }), h('a', { href: `#/history/${enc}?version=${r.version}` }, t('publish.history'))));
      note.value = '';
      onPublished(r.version);
    } catch (err) {
      refused(err, body);
    }
  }

  function refused(err, body) {
    const d = err?.data ?? {};
    if (d.reason === 'owned by file') {
      const take = h('button', { type: 'button', id: 'take-over' }, t('publish.takeOver'));
      take.addEventListener('click', () => busy(take, () => publish({ takeOver: true, override: body.override })));
      outcome.replaceChildren(
        h(
          'div',
          { class: 'takeover', role: 'alert' },
          h('p', {}, t('publish.ownedByFile', { id: curationId })),
          take,
        ),
      );
    } else if (d.reason === 'golden') {
      const reason = h('input', { id: 'override-reason', name: 'override', type: 'text', maxlength: '500', placeholder: t('publish.overridePlaceholder') });
      const anyway = h('button', { type: 'button', id: 'publish-anyway', disabled: true }, t('publish.anyway'));
      reason.addEventListener('input', () => (anyway.disabled = reason.value.trim() === ''));
      anyway.addEventListener('click', () => busy(anyway, () => publish({ takeOver: body.takeOver, override: reason.value.trim() })));
      // err.message is the refusal in the operator's language (api.js, from its code).
      outcome.replaceChildren(h('div', { class: 'golden', role: 'alert' }, h('p', {}, err.message), goldenList(d.golden), h('label', { class: 'field' }, h('span', {}, t('publish.reason')), reason), anyway));
    } else if (d.reason === 'invalid') {
      outcome.replaceChildren(errorBox(t('publish.invalid')), problemsList(d.errors ?? []));
    } else {
      outcome.replaceChildren(errorBox(t('publish.refused', { reason: refusal(err) })));
    }
  }

  publishButton.addEventListener('click', () => busy(publishButton, () => publish({})));

  return h(
    'section',
    { class: 'card publish-panel', 'aria-label': t('publish.panel') },
    h('div', { class: 'search-row' }, saveButton, impactButton),
    saved,
    impact,
    h('div', { class: 'search-row' }, h('label', { class: 'field publish-note' }, h('span', {}, t('publish.note')), note), publishButton),
    outcome,
  );
}
