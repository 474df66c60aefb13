// Draws messages the way Channel Talk shows them to the customer: bubbles with
// bold, italic, links and bullet lists, link buttons under the bubble, and the
// wait before each message. Input is the server's parsed form (spans), never HTML.
import { h, fmtDuration } from './dom.js';

function spans(list) {
  return list.map((s) => {
    let node = document.createTextNode(s.text);
    if (s.italic) node = h('em', {}, node);
    if (s.bold) node = h('strong', {}, node);
    if (s.href) node = h('a', { href: s.href, target: '_blank', rel: 'noopener noreferrer' }, node);
    return node;
  });
}

function block(b) {
  if (b.kind === 'bullets') return h('ul', { class: 'bullets' }, b.items.map((item) => h('li', {}, spans(item))));
  if (b.kind === 'code') return h('pre', { class: 'code' }, b.text);
  return h('p', { class: 'text' }, spans(b.spans));
}

export function bubble(rendered) {
  const buttons = rendered.buttons.map((btn) =>
    btn.url
      ? h('a', { class: ['chat-button', `color-${btn.color}`], href: btn.url, target: '_blank', rel: 'noopener noreferrer' }, btn.title)
      : h('span', { class: ['chat-button', `color-${btn.color}`] }, btn.title),
  );
  return h('div', { class: 'bubble' }, rendered.blocks.map(block), buttons.length ? h('div', { class: 'chat-buttons' }, buttons) : null);
}

/**
 * messages: [{seq, delayMs, rendered, state?, sentAt?}]; delayScale shows the
 * wait as the service applies it when given.
 */
export function chatView(messages, opts = {}) {
  const items = [];
  for (const m of messages) {
    const delay = m.delayMs ?? m.delay_ms ?? 0;
    items.push(
      h('div', { class: 'chat-delay' }, m.seq === 0 ? `after ${fmtDuration(delay)}` : `+ ${fmtDuration(delay)}`),
      h(
        'div',
        { class: ['chat-row', m.state && m.state !== 'sent' ? `not-sent st-${m.state}` : null], dataset: { seq: String(m.seq) } },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, opts.botInitial ?? 'B'),
        h('div', { class: 'chat-col' }, bubble(m.rendered), m.state && m.state !== 'sent' ? h('div', { class: 'chat-note' }, `not sent: ${m.state}`) : null),
      ),
    );
  }
  return h('div', { class: 'chat', role: 'log', 'aria-label': 'Messages as the customer sees them' }, items);
}
