// The webhook banner on every page: red when Channel Talk has blocked a
// channel's webhook (no deliveries arrive), with the fix and an Unblock
// button; orange when the webhook is missing or lacks a scope.
import { api } from './api.js';
import { fmtTime, h } from './dom.js';
import { t, words } from './i18n.js';

/** The server's sentence in the operator's language when it sent its catalogue key (times as the console shows them). */
function said(w, which) {
  const words = w.words?.[which];
  if (!words) return w[which];
  const params = { ...words.params };
  if (typeof params.since === 'number') params.since = fmtTime(params.since);
  return t(words.code, params);
}

const REFRESH_MS = 30_000;

function blockedBanner(w) {
  const status = h('p', { class: 'banner-status', 'aria-live': 'polite' });
  const fix = h('p', { class: 'banner-fix' }, t('banner.fix'), said(w, 'fix'));
  const button = h('button', { type: 'button', class: 'banner-unblock', dataset: { channel: w.channel } }, t('banner.unblock'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = t('banner.unblocking');
    try {
      const r = await api('/webhooks/unblock', { method: 'POST', body: { channel: w.channel } });
      // Until the next refresh, say what happened where the red banner was.
      banner.replaceWith(
        h(
          'div',
          { class: 'banner banner-ok', role: 'status', dataset: { channel: w.channel, state: 'unblocked' } },
          h('strong', {}, t('banner.unblocked', { channel: w.channel })),
          h('p', {}, r.sweep === 'started' ? t('banner.flowsSwept') : t('banner.flows')),
        ),
      );
    } catch (err) {
      // The API would not unblock it (read again, it is still blocked): the desk steps replace the fix.
      status.textContent = err.data?.outcome === 'refused' ? t('banner.stillBlocked', { message: err.message }) : err.message;
      if (err.data?.fix) fix.replaceChildren(t('banner.fix'), err.data.fixWords ? words(err.data.fixWords) : err.data.fix);
      button.remove();
    }
  });
  const banner = h(
    'div',
    { class: 'banner banner-bad', role: 'alert', dataset: { channel: w.channel, state: w.state } },
    h('strong', {}, t('banner.blocked', { channel: w.channel })),
    h('p', {}, said(w, 'reason')),
    fix,
    h('div', { class: 'banner-actions' }, w.unblockRefused ? null : button, h('span', { class: 'banner-checked' }, t('banner.checked', { time: fmtTime(w.checkedAt) }))),
    status,
  );
  return banner;
}

function warnBanner(w) {
  const title = w.state === 'missing' ? t('banner.missing', { channel: w.channel }) : t('banner.incomplete', { channel: w.channel });
  return h(
    'div',
    { class: 'banner banner-warn', role: 'status', dataset: { channel: w.channel, state: w.state } },
    h('strong', {}, title),
    h('p', {}, said(w, 'reason')),
    w.fix ? h('p', { class: 'banner-fix' }, t('banner.fix'), said(w, 'fix')) : null,
  );
}

export function startBanner(slot) {
  async function load() {
    let data;
    try {
      data = await api('/webhooks');
    } catch {
      return;
    }
    const items = [];
    for (const w of data.channels) {
      if (w.state === 'blocked') items.push(blockedBanner(w));
      else if (w.state === 'missing' || (w.missingScopes && w.missingScopes.length > 0)) items.push(warnBanner(w));
    }
    // Keep a banner whose button is in use, so its status line stays readable.
    if (slot.querySelector('.banner-unblock:disabled')) return;
    slot.replaceChildren(...items);
  }
  void load();
  setInterval(() => void load(), REFRESH_MS);
  return load;
}
