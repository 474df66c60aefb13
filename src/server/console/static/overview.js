// Today and the last 7 days at a glance, runs per hour, and the queue.
import { api } from './api.js';
import { fmtDuration, fmtTime, h } from './dom.js';
import { fmtHour, fmtNumber, has, t, tn, words, zoneOffsetMinutes } from './i18n.js';

const REFRESH_MS = 15_000;

function stat(label, value, extra) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, typeof value === 'number' ? fmtNumber(value) : value), h('div', { class: 'stat-label' }, label), extra ? h('div', { class: 'stat-extra' }, extra) : null);
}

function windowCard(title, w) {
  return h(
    'section',
    { class: 'card', 'aria-label': title },
    h('h2', {}, title),
    h(
      'div',
      { class: 'stats' },
      stat(t('overview.webhooksReceived'), w.webhooks.received, t('overview.webhooksExtra', { ignored: w.webhooks.ignored, noMatch: w.webhooks.noMatch })),
      stat(t('overview.runsStarted'), w.runs.started),
      stat(t('overview.completed'), w.runs.completed),
      stat(t('overview.fallback'), w.runs.fallback),
      stat(t('overview.awaiting'), w.runs.awaiting),
      stat(t('overview.parked'), w.runs.parked),
      stat(t('overview.cancelled'), w.runs.cancelled),
      stat(t('overview.failed'), w.runs.failed),
      stat(t('overview.messagesSent'), w.messagesSent),
      stat(t('overview.p50'), fmtDuration(w.latencyMs.p50), t('overview.p50Extra')),
      stat(t('overview.p95'), fmtDuration(w.latencyMs.p95), t('overview.p95Extra', { samples: w.latencyMs.samples })),
    ),
  );
}


/** The last sweep for missed deliveries and what it recovered. */
function sweepCard(sweeps) {
  const last = sweeps[0];
  const body = !last
    ? h('p', { class: 'hint' }, t('sweep.none'))
    : h(
        'div',
        { class: 'sweep-last' },
        h(
          'p',
          {},
          t('sweep.last', { time: fmtTime(last.finishedAt), reason: sweepReason(last.reason), channel: last.channel }),
          tn('sweep.scanned', last.scanned),
          h('strong', {}, t('sweep.recovered', { count: last.recoveredCount })),
          last.late ? t('sweep.late', { count: last.late }) : '',
          last.skipped ? t('sweep.skipped', { count: last.skipped }) : '',
          last.complete ? '' : t('sweep.incomplete'),
          last.error ? ` (${last.errorWords ? words(last.errorWords) : last.error})` : '',
        ),
        last.recovered.length
          ? h('ul', { class: 'sweep-recovered' }, last.recovered.map((c) => h('li', {}, h('a', { href: `#/runs?q=${encodeURIComponent(c.chatId)}` }, c.chatId), c.runs.length ? tn('sweep.chatRuns', c.runs.length) : t('sweep.noCuration'))))
          : null,
        last.recoveredCount > last.recovered.length ? h('p', { class: 'hint' }, t('sweep.more', { count: last.recoveredCount - last.recovered.length })) : null,
      );
  const earlier = sweeps.slice(1, 5).map((s) => h('li', {}, t('sweep.earlier', { time: fmtTime(s.finishedAt), channel: s.channel, recovered: s.recoveredCount, scanned: s.scanned })));
  return h('section', { class: 'card sweep-card', 'aria-label': t('sweep.label') }, h('h2', {}, t('sweep.title')), body, earlier.length ? h('ul', { class: 'sweep-earlier muted' }, earlier) : null);
}

/** A sweep's reason in words; one the catalogue lacks shows as it is. */
function sweepReason(reason) {
  return has(`sweep.reason.${reason}`) ? t(`sweep.reason.${reason}`) : reason;
}

export async function showOverview({ view, onLeave }) {
  const queueSlot = h('div');
  const todaySlot = h('div');
  const weekSlot = h('div');
  const sweepSlot = h('div');
  const canvas = h('canvas', { id: 'runs-per-hour', role: 'img', 'aria-label': t('overview.runsPerHourAlt') });
  const chartCard = h('section', { class: 'card chart-card', 'aria-label': t('overview.runsPerHour') }, h('h2', {}, t('overview.runsPerHourTitle')), h('div', { class: 'chart-box' }, canvas));
  view.append(h('h1', {}, t('overview.title')), h('div', { class: 'overview' }, queueSlot, todaySlot, weekSlot, sweepSlot, chartCard));
  let chart = null;

  async function load() {
    const [o, hooks] = await Promise.all([api(`/overview?tz=${zoneOffsetMinutes()}`), api('/webhooks')]);
    sweepSlot.replaceChildren(sweepCard(hooks.sweeps));
    queueSlot.replaceChildren(
      h(
        'section',
        { class: 'card queue', 'aria-label': t('overview.queue') },
        h('h2', {}, t('overview.queueNow')),
        h('div', { class: 'stats' }, stat(t('overview.queueDepth'), o.queue.total, t('overview.queueExtra', { pending: o.queue.pending, sending: o.queue.sending, waiting: o.queue.waiting }))),
      ),
    );
    todaySlot.replaceChildren(windowCard(t('overview.today'), o.today));
    weekSlot.replaceChildren(windowCard(t('overview.week'), o.week));
    const labels = o.runsPerHour.map((b) => fmtHour(b.hourStart));
    const data = o.runsPerHour.map((b) => b.runs);
    if (typeof window.Chart !== 'function') {
      chartCard.replaceChildren(h('h2', {}, t('overview.runsPerHourTitle')), h('p', { class: 'hint' }, t('overview.chartUnavailable')));
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
      data: { labels, datasets: [{ label: t('overview.chartSeries'), data, backgroundColor: '#4c6ef5', borderRadius: 3 }] },
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
