// The webhook banner on every page: red when Channel Talk has blocked a
// channel's webhook (no deliveries arrive), with the fix and an Unblock
// button; orange when the webhook is missing or lacks a scope.
import { api } from './api.js';
import { fmtTime, h } from './dom.js';

const REFRESH_MS = 30_000;

function blockedBanner(w) {
  const status = h('p', { class: 'banner-status', 'aria-live': 'polite' });
  const fix = h('p', { class: 'banner-fix' }, 'Fix: ', w.fix);
  const button = h('button', { type: 'button', class: 'banner-unblock', dataset: { channel: w.channel } }, 'Unblock');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Unblocking…';
    try {
      const r = await api('/webhooks/unblock', { method: 'POST', body: { channel: w.channel } });
      // Until the next refresh, say what happened where the red banner was.
      banner.replaceWith(
        h(
          'div',
          { class: 'banner banner-ok', role: 'status', dataset: { channel: w.channel, state: 'unblocked' } },
          h('strong', {}, `Webhook unblocked — channel ${w.channel}`),
          h('p', {}, r.sweep === 'started' ? 'Deliveries flow again. The chats opened meanwhile are being swept; the overview shows what was recovered.' : 'Deliveries flow again.'),
        ),
      );
    } catch (err) {
      // The API would not unblock it (read again, it is still blocked): the desk steps replace the fix.
      status.textContent = err.data?.outcome === 'refused' ? `Still blocked: ${err.message}` : err.message;
      if (err.data?.fix) fix.replaceChildren('Fix: ', err.data.fix);
      button.remove();
    }
  });
  const banner = h(
    'div',
    { class: 'banner banner-bad', role: 'alert', dataset: { channel: w.channel, state: w.state } },
    h('strong', {}, `Webhook blocked — channel ${w.channel}`),
    h('p', {}, w.reason),
    fix,
    h('div', { class: 'banner-actions' }, w.unblockRefused ? null : button, h('span', { class: 'banner-checked' }, `checked ${fmtTime(w.checkedAt)}`)),
    status,
  );
  return banner;
}

function warnBanner(w) {
  const title = w.state === 'missing' ? `Webhook not registered — channel ${w.channel}` : `Webhook incomplete — channel ${w.channel}`;
  return h(
    'div',
    { class: 'banner banner-warn', role: 'status', dataset: { channel: w.channel, state: w.state } },
    h('strong', {}, title),
    h('p', {}, w.reason),
    w.fix ? h('p', { class: 'banner-fix' }, 'Fix: ', w.fix) : null,
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
