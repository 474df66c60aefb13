// Today and the last 7 days at a glance, runs per hour, and the queue.
import { api } from './api.js';
import { fmtDuration, fmtTime, h } from './dom.js';

const REFRESH_MS = 15_000;

function stat(label, value, extra) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label), extra ? h('div', { class: 'stat-extra' }, extra) : null);
}

function windowCard(title, w) {
  return h(
    'section',
    { class: 'card', 'aria-label': title },
    h('h2', {}, title),
    h(
      'div',
      { class: 'stats' },
      stat('webhooks received', w.webhooks.received, `${w.webhooks.ignored} ignored · ${w.webhooks.noMatch} no match`),
      stat('runs started', w.runs.started),
      stat('completed', w.runs.completed),
      stat('fallback', w.runs.fallback),
      stat('waiting for an answer', w.runs.awaiting),
      stat('parked on a long wait', w.runs.parked),
      stat('cancelled', w.runs.cancelled),
      stat('failed', w.runs.failed),
      stat('messages sent', w.messagesSent),
      stat('first message p50', fmtDuration(w.latencyMs.p50), 'webhook → first message'),
      stat('first message p95', fmtDuration(w.latencyMs.p95), `${w.latencyMs.samples} runs`),
    ),
  );
}

const REASONS = { start: 'on start', interval: 'periodic', unblocked: 'after the webhook was unblocked', manual: 'asked for' };

/** The last sweep for missed deliveries and what it recovered. */
function sweepCard(sweeps) {
  const last = sweeps[0];
  const body = !last
    ? h('p', { class: 'hint' }, 'No sweep has run yet.')
    : h(
        'div',
        { class: 'sweep-last' },
        h(
          'p',
          {},
          `Last sweep ${fmtTime(last.finishedAt)} (${REASONS[last.reason] ?? last.reason}, channel ${last.channel}): `,
          `${last.scanned} opened chat${last.scanned === 1 ? '' : 's'} looked at, `,
          h('strong', {}, `${last.recoveredCount} recovered`),
          last.late ? `, ${last.late} delivered meanwhile` : '',
          last.skipped ? `, ${last.skipped} skipped` : '',
          last.complete ? '' : ' — incomplete, the next sweep covers the rest',
          last.error ? ` (${last.error})` : '',
        ),
        last.recovered.length
          ? h('ul', { class: 'sweep-recovered' }, last.recovered.map((c) => h('li', {}, h('a', { href: `#/runs?q=${encodeURIComponent(c.chatId)}` }, c.chatId), c.runs.length ? ` → ${c.runs.length} run${c.runs.length > 1 ? 's' : ''}` : ' (no curation matched)')))
          : null,
        last.recoveredCount > last.recovered.length ? h('p', { class: 'hint' }, `and ${last.recoveredCount - last.recovered.length} more (see the logs)`) : null,
      );
  const earlier = sweeps.slice(1, 5).map((s) => h('li', {}, `${fmtTime(s.finishedAt)} ${s.channel}: ${s.recoveredCount} recovered of ${s.scanned}`));
  return h('section', { class: 'card sweep-card', 'aria-label': 'Missed deliveries' }, h('h2', {}, 'Missed deliveries (sweep)'), body, earlier.length ? h('ul', { class: 'sweep-earlier muted' }, earlier) : null);
}

function hourLabel(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:00`;
}

export async function showOverview({ view, onLeave }) {
  const queueSlot = h('div');
  const todaySlot = h('div');
  const weekSlot = h('div');
  const sweepSlot = h('div');
  const canvas = h('canvas', { id: 'runs-per-hour', role: 'img', 'aria-label': 'Runs started per hour, last 24 hours' });
  const chartCard = h('section', { class: 'card chart-card', 'aria-label': 'Runs per hour' }, h('h2', {}, 'Runs per hour (24 h)'), h('div', { class: 'chart-box' }, canvas));
  view.append(h('h1', {}, 'Overview'), h('div', { class: 'overview' }, queueSlot, todaySlot, weekSlot, sweepSlot, chartCard));
  let chart = null;

  async function load() {
    const [o, hooks] = await Promise.all([api(`/overview?tz=${new Date().getTimezoneOffset()}`), api('/webhooks')]);
    sweepSlot.replaceChildren(sweepCard(hooks.sweeps));
    queueSlot.replaceChildren(
      h(
        'section',
        { class: 'card queue', 'aria-label': 'Queue' },
        h('h2', {}, 'Queue now'),
        h('div', { class: 'stats' }, stat('queue depth', o.queue.total, `${o.queue.pending} due · ${o.queue.sending} sending · ${o.queue.waiting} waiting`)),
      ),
    );
    todaySlot.replaceChildren(windowCard('Today', o.today));
    weekSlot.replaceChildren(windowCard('Last 7 days', o.week));
    const labels = o.runsPerHour.map((b) => hourLabel(b.hourStart));
    const data = o.runsPerHour.map((b) => b.runs);
    if (typeof window.Chart !== 'function') {
      chartCard.replaceChildren(h('h2', {}, 'Runs per hour (24 h)'), h('p', { class: 'hint' }, 'Chart unavailable.'));
      return;
    }
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = data;
      chart.update('none');
      return;
    }
    chart = new window.Chart(canvas, {
      type: 'bar',
      data: { labels, datasets: [{ label: 'runs', data, backgroundColor: '#4c6ef5', borderRadius: 3 }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } } },
      },
    });
  }

  await load();
  const timer = setInterval(() => void load().catch(() => undefined), REFRESH_MS);
  onLeave(() => {
    clearInterval(timer);
    chart?.destroy();
  });
}
