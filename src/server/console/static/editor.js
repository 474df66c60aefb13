// The curation editor: the curation's YAML in CodeMirror (bundled by the
// service, /console/static/codemirror.js), checked as it is typed by the
// server's own loader, and beside it the simulator drawing the draft live with
// plan(). One request does both (POST /curations/preview-source): its errors
// become the editor's diagnostics, with the sentence `curation check` prints,
// and its plan the messages on the right. It opens the saved draft when there
// is one, else the live version; under it, Save draft, What would change and
// Publish (editor-publish.js). A draft changes nothing live.
import { api } from './api.js';
import { badge, clear, errorBox, fmtTime, h } from './dom.js';
import { chatView } from './chat.js';
import { fieldRow, readProfile, valuesTable } from './simulator.js';
import { fieldLabel, languageName, problemText, reasonText, valueLabel } from './words.js';
import { completionsAt, declaredNames } from './editor-complete.js';
import { problemSentence, publishPanel } from './editor-publish.js';
import { codeHost } from './versions.js';
import { channelTimeToEpoch, t, tn } from './i18n.js';

/** The pause after the last keystroke before the draft is checked and previewed. */
const DEBOUNCE_MS = 400;
const TYPED = '';

async function loadCodeMirror() {
  try {
    return await import('/console/static/codemirror.js');
  } catch {
    return null;
  }
}

function problemItem(p, severity, goTo) {
  return h(
    'li',
    { class: ['problem', severity], dataset: { line: p.line === null ? '' : String(p.line) } },
    p.line === null ? h('span', { class: 'muted' }, t('editor.file')) : h('button', { type: 'button', class: 'goto', onclick: () => goTo(p.line) }, t('editor.line', { line: p.line })),
    ' ',
    // In English the line `curation check` prints; in another language the sentence in it (the path and line are beside it).
    h('code', { class: 'check-line' }, problemSentence(p, severity) ?? p.check),
  );
}

/** Answers (or, masked, values) by name: under their labels, `label` picking a field's or a value's. */
function profileList(profile, masked, label = (k) => k) {
  const entries = Object.entries(profile ?? {});
  if (entries.length === 0) return h('p', { class: 'muted' }, t('editor.noAnswers'));
  return h(
    'dl',
    { class: ['facts', 'secrets', masked ? 'masked' : null] },
    entries.flatMap(([k, v]) => [h('dt', {}, label(k)), h('dd', { dataset: { key: k } }, masked ? '••••••' : typeof v === 'string' ? v : JSON.stringify(v))]),
  );
}

function runOption(r) {
  return h('option', { value: r.id }, t('editor.runOption', { time: fmtTime(r.createdAt), state: t(`state.${r.state}`), chat: r.chatId }));
}

/** The text the editor opens with: the saved draft when there is one, else the live version. */
function opening(live, history, curationId) {
  const draft = history?.draft ?? null;
  if (draft) {
    const of = draft.baseVersion === null ? t('editor.newCuration') : t('editor.versionOf', { n: draft.baseVersion });
    return { source: draft.source, note: t('editor.draftNote', { of, time: fmtTime(draft.savedAt), by: draft.savedBy }), draft: true };
  }
  if (live) return { source: live.source, note: live.version ? t('editor.liveNote', { n: live.version }) : null, draft: false };
  throw new Error(t('editor.noCuration', { id: curationId }));
}

export async function showEditor({ view, onLeave }, curationId) {
  const enc = encodeURIComponent(curationId);
  const [history, schema, runs, cm] = await Promise.all([
    api(`/curations/${enc}/versions`).catch(() => null),
    api('/curations/schema'),
    api(`/runs?curationId=${enc}&limit=20`).then((r) => r.runs).catch(() => []),
    loadCodeMirror(),
  ]);
  // A new curation (a draft, nothing published) has no live text to ask for.
  const isNew = history !== null && history.liveVersion === null && history.draft !== null;
  const live = isNew ? null : await api(`/curations/${enc}/source`).catch((err) => (err.status === 404 ? null : Promise.reject(err)));
  const start = opening(live, history, curationId);
  const source = start.source;
  const liveVersion = h('span', { class: 'muted live-version', id: 'live-version' }, history?.liveVersion ? t('editor.liveVersion', { n: history.liveVersion }) : t('editor.notPublished'));
  const opened = h('p', { class: ['hint', 'opened', start.draft ? 'is-draft' : null], id: 'opened' }, start.note ?? '');
  view.append(
    h('p', {}, h('a', { href: '#/curations' }, t('editor.backCurations')), ' · ', h('a', { href: `#/history/${enc}`, id: 'history-link' }, t('editor.history'))),
    h('div', { class: 'title-row' }, h('h1', {}, t('editor.title', { id: curationId })), liveVersion, h('span', { class: 'muted' }, live?.file ?? '')),
    opened,
    h('p', { class: 'hint' }, t('editor.hint')),
  );
  if (start.draft && live) {
    const back = h('button', { type: 'button', id: 'open-live' }, t('editor.openLive'));
    back.addEventListener('click', () => {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: live.source } });
      opened.className = 'hint opened';
      opened.textContent = t('editor.openedLive', { n: live.version ?? '' });
    });
    opened.append(' ', back);
  }
  if (!cm) {
    view.append(errorBox('The editor is not built on this server (dist/console/codemirror.js is missing): run `npm run build` there, restart, and reload this page.'));
    return;
  }

  // The editor lives in a shadow root: there CodeMirror's styles are constructed
  // style sheets, which the console's Content-Security-Policy (no inline styles) allows.
  const { host, shadow, mount } = codeHost({ id: 'editor' });
  const status = h('p', { class: 'editor-status', role: 'status', 'aria-live': 'polite' }, t('editor.checking'));
  const problems = h('ul', { class: 'editor-problems', 'aria-label': t('editor.problems') });

  const answersFrom = h('select', { id: 'answers-from', name: 'answersFrom' }, h('option', { value: TYPED }, t('editor.typed')), runs.map(runOption));
  const lang = h('select', { id: 'preview-lang', name: 'lang' });
  const when = h('input', { id: 'preview-now', name: 'now', type: 'datetime-local', step: '1' });
  const form = h('form', { class: 'sim-form editor-answers', novalidate: true, 'aria-label': t('editor.answers') });
  const result = h('div', { class: 'sim-result', 'aria-label': t('editor.preview') }, h('p', { class: 'muted' }, t('editor.checking')));
  // A run's answers once revealed (through the runs API's logged reveal): then previewed as typed answers.
  let revealed = null;
  let fieldsKey = null;
  let langsKey = null;
  let names = [];
  let seq = 0;

  view.append(
    h(
      'div',
      { class: 'two-col editor-layout' },
      h(
        'section',
        { class: 'editor-pane', 'aria-label': t('editor.source') },
        h('div', { class: 'card' }, host, status, problems),
        publishPanel({
          curationId,
          getText: () => editor.state.doc.toString(),
          onPublished: (version) => {
            liveVersion.textContent = t('editor.liveVersion', { n: version });
            opened.className = 'hint opened';
            opened.textContent = t('editor.liveNote', { n: version });
          },
        }),
      ),
      h(
        'section',
        { class: 'card editor-preview', 'aria-label': t('editor.livePreview') },
        h('h2', {}, t('editor.livePreview')),
        h(
          'div',
          { class: 'search-row' },
          h('label', { class: 'field' }, h('span', {}, t('editor.answers')), answersFrom),
          h('label', { class: 'field' }, h('span', {}, t('editor.language')), lang),
          h('label', { class: 'field' }, h('span', {}, t('editor.askedAt')), when),
        ),
        form,
        result,
      ),
    ),
  );

  /** The answers form from the draft's contract, rebuilt only when the contract changes; typed answers are kept. */
  function drawForm(curation) {
    const key = JSON.stringify(curation.fields);
    if (key === fieldsKey) return;
    const before = new FormData(form);
    fieldsKey = key;
    form.replaceChildren(...(curation.fields.length ? curation.fields.map(fieldRow) : [h('p', { class: 'muted' }, t('editor.noFields'))]));
    for (const [name, value] of before) {
      for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (el.type === 'checkbox') el.checked = el.checked || el.value === value;
        else el.value = value;
      }
    }
  }

  function drawLanguages(curation) {
    const key = curation.languages.join(',');
    if (key === langsKey) return;
    const chosen = lang.value;
    langsKey = key;
    lang.replaceChildren(...curation.languages.map((l) => h('option', { value: l, selected: chosen ? l === chosen : l === curation.defaultLanguage }, languageName(l))));
  }

  function drawPlan(plan) {
    const fromRun = answersFrom.value !== TYPED;
    const revealButton = fromRun && plan.masked ? h('button', { type: 'button', class: 'reveal', onclick: (e) => void revealRun(e.currentTarget) }, t('run.reveal')) : null;
    result.replaceChildren(
      ...[
        h('div', { class: 'run-head' }, h('strong', {}, t('sim.outcome')), badge(plan.outcome), h('span', { class: 'muted' }, ' ', t('sim.messagesLang', { count: plan.messages.length, lang: languageName(plan.lang) }))),
        plan.reason ? h('p', { class: 'sim-reason' }, reasonText(plan.reasonWords, plan.reason, plan.labels)) : null,
        plan.problems.length ? h('ul', { class: 'error plan-problems' }, plan.problems.map((p) => h('li', {}, problemText(p, plan.labels)))) : null,
        h('details', { class: 'values-box', open: true }, h('summary', {}, t('sim.values')), plan.masked ? profileList(plan.values, true, (k) => valueLabel(plan.labels, k)) : valuesTable(plan.values, plan.labels)),
        h(
          'details',
          { class: 'values-box profile-given', open: true },
          h('summary', {}, fromRun ? (revealed ? t('editor.profileRevealed') : t('editor.profileRun')) : t('editor.profileGiven')),
          profileList(plan.profile, plan.masked, (k) => fieldLabel(plan.labels, k)),
          revealButton,
          revealButton ? h('p', { class: 'hint' }, t('editor.revealNote')) : null,
        ),
        plan.messages.length ? chatView(plan.messages) : h('p', { class: 'muted' }, t('sim.nothing')),
      ].filter(Boolean),
    );
  }

  function requestBody(text) {
    const body = { source: text, curationId, lang: lang.value || undefined };
    // Typed in the channel's zone (the one the console shows times in), whatever the browser's is.
    if (when.value && Number.isFinite(channelTimeToEpoch(when.value))) body.now = new Date(channelTimeToEpoch(when.value)).toISOString();
    if (answersFrom.value === TYPED) body.profile = fieldsKey === null ? {} : readProfile(form, JSON.parse(fieldsKey));
    else if (revealed) body.profile = revealed;
    else body.fromRun = answersFrom.value;
    return body;
  }

  async function revealRun(button) {
    button.disabled = true;
    try {
      const secrets = await api(`/runs/${encodeURIComponent(answersFrom.value)}/reveal`, { method: 'POST' });
      revealed = secrets.profile ?? {};
      refresh();
    } catch (err) {
      button.disabled = false;
      button.after(errorBox(err.message));
    }
  }

  /** One round trip: the draft checked by the loader and, when it compiles, planned. Returns the editor's diagnostics. */
  async function check(text, doc) {
    const mine = ++seq;
    let r;
    try {
      r = await api('/curations/preview-source', { method: 'POST', body: requestBody(text) });
    } catch (err) {
      if (mine === seq) status.replaceChildren(errorBox(t('editor.checkFailed', { reason: err.message })));
      return [];
    }
    if (mine !== seq) return [];
    const goTo = (line) => {
      const l = editor.state.doc.line(Math.min(line, editor.state.doc.lines));
      editor.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
      editor.focus();
    };
    const all = [...r.errors.map((p) => ['error', p]), ...r.warnings.map((p) => ['warning', p])];
    problems.replaceChildren(...all.map(([sev, p]) => problemItem(p, sev, goTo)));
    status.className = ['editor-status', r.ok ? 'ok' : 'error'].join(' ');
    status.textContent = r.ok ? (r.warnings.length ? t('editor.validWarnings', { count: r.warnings.length }) : t('editor.valid')) : tn('editor.problemCount', r.errors.length);
    if (!r.ok && fieldsKey === null) result.replaceChildren(h('p', { class: 'muted' }, t('editor.previewWaits')));
    if (r.ok) {
      names = declaredNames(r.curation).map((n) => ({ ...n, detail: t(n.detail.code, n.detail.params) }));
      drawLanguages(r.curation);
      drawForm(r.curation);
      drawPlan(r.plan);
    }
    return all.map(([severity, p]) => {
      const line = doc.line(Math.min(Math.max(p.line ?? 1, 1), doc.lines));
      return { from: line.from, to: line.to, severity, message: problemSentence(p, severity) ?? p.message, source: p.check };
    });
  }

  const complete = (context) => {
    const found = completionsAt(context.state.doc.toString(), context.pos, schema, names);
    if (!found || (found.from === context.pos && !context.explicit)) return null;
    // A key's description comes as a catalogue key ({code, params}): said in the operator's language.
    const options = found.options.map((o) => (typeof o.info === 'object' ? { ...o, info: t(o.info.code, o.info.params) } : o));
    return { from: found.from, options, validFor: /^[\w$-]*$/ };
  };

  const inputsChanged = cm.StateEffect.define();
  const editor = new cm.EditorView({
    parent: mount,
    root: shadow,
    state: cm.EditorState.create({
      doc: source,
      extensions: [
        cm.lineNumbers(),
        cm.highlightActiveLineGutter(),
        cm.highlightSpecialChars(),
        cm.history(),
        cm.foldGutter(),
        cm.drawSelection(),
        cm.indentOnInput(),
        cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
        cm.bracketMatching(),
        cm.highlightActiveLine(),
        cm.yaml(),
        cm.autocompletion({ override: [complete] }),
        cm.lintGutter(),
        cm.linter((v) => check(v.state.doc.toString(), v.state.doc), {
          delay: DEBOUNCE_MS,
          // The answers, the language and the time are inputs too: a change of one asks for a new check.
          needsRefresh: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(inputsChanged))),
        }),
        cm.keymap.of([...cm.completionKeymap, ...cm.lintKeymap, ...cm.defaultKeymap, ...cm.historyKeymap, ...cm.foldKeymap, cm.indentWithTab]),
        cm.EditorView.contentAttributes.of({ 'aria-label': t('editor.sourceLabel', { id: curationId }) }),
      ],
    }),
  });
  // Typed answers wait for the same pause as typed source; a choice is checked at once.
  const soon = () => editor.dispatch({ effects: inputsChanged.of(null) });
  const refresh = () => {
    soon();
    cm.forceLinting(editor);
  };
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  form.addEventListener('submit', (e) => e.preventDefault());
  lang.addEventListener('change', refresh);
  when.addEventListener('change', refresh);
  answersFrom.addEventListener('change', () => {
    revealed = null;
    form.hidden = answersFrom.value !== TYPED;
    refresh();
  });
  onLeave(() => editor.destroy());
  if (runs.length === 0) answersFrom.disabled = true;
  clear(result).append(h('p', { class: 'muted' }, t('editor.checking')));
}
