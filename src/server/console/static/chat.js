// Draws messages the way Channel Talk shows them to the customer: bubbles with
// bold, italic, links, mentions and (nested) bullet lists, files, a link
// preview and a form under the text, buttons under the bubble, and the wait
// before each message. Input is the server's parsed form (spans), never HTML.
import { h, fmtDuration } from './dom.js';
import { t } from './i18n.js';

function spans(list) {
  return list.map((s) => {
    let node = document.createTextNode(s.text);
    if (s.italic) node = h('em', {}, node);
    if (s.bold) node = h('strong', {}, node);
    if (s.mention) node = h('span', { class: 'mention' }, node);
    if (s.href) node = h('a', { href: s.href, target: '_blank', rel: 'noopener noreferrer' }, node);
    return node;
  });
}

function bullets(b) {
  // An item is a text's spans, or a nested list.
  return h('ul', { class: 'bullets' }, b.items.map((item) => (Array.isArray(item) ? h('li', {}, spans(item)) : h('li', { class: 'nested' }, bullets(item)))));
}

const BLOCKS = {
  text: (b) => h('p', { class: 'text' }, spans(b.spans)),
  bullets,
  code: (b) => h('pre', { class: 'code' }, b.text),
};

function block(b) {
  const draw = BLOCKS[b.kind];
  if (!draw) throw new Error(`the console cannot draw a ${b.kind} block`);
  return draw(b);
}

function formInput(input, i) {
  const id = `form-input-${Math.random().toString(36).slice(2)}-${i}`;
  const label = h('label', { for: id }, input.label, input.required ? h('span', { class: 'required', 'aria-label': 'required' }, ' *') : null);
  let control;
  switch (input.type) {
    case 'number':
    case 'date':
    case 'datetime':
    case 'text':
      control = h('input', { id, type: input.type === 'datetime' ? 'datetime-local' : input.type, disabled: true });
      break;
    case 'bool':
      control = h('input', { id, type: 'checkbox', disabled: true });
      break;
    case 'singleSelect':
      control = h('select', { id, disabled: true }, h('option', {}, '—'), input.options.map((o) => h('option', {}, o)));
      break;
    case 'radio':
    case 'checkbox':
    case 'multiSelect':
      control = h(
        'div',
        { id, class: 'form-choices' },
        input.options.map((o) => h('label', { class: 'check' }, h('input', { type: input.type === 'radio' ? 'radio' : 'checkbox', disabled: true }), o)),
      );
      break;
    default:
      throw new Error(`the console cannot draw a ${input.type} input`);
  }
  return h('div', { class: ['form-input', `input-${input.type}`] }, label, control);
}

const ATTACHMENTS = {
  files: (a) =>
    h(
      'ul',
      { class: 'files' },
      a.files.map((f) => h('li', { class: ['file-chip', f.image ? 'image' : null] }, h('span', { class: 'file-icon', 'aria-hidden': 'true' }, f.image ? '🖼' : '📎'), h('span', { class: 'file-name' }, f.name), h('span', { class: 'file-size' }, f.size))),
    ),
  webPage: (a) => {
    const body = [h('span', { class: 'web-host' }, a.host), a.title ? h('strong', { class: 'web-title' }, a.title) : null, a.description ? h('span', { class: 'web-description' }, a.description) : null];
    return a.url ? h('a', { class: 'web-page', href: a.url, target: '_blank', rel: 'noopener noreferrer' }, body) : h('div', { class: 'web-page' }, body);
  },
  form: (a) => h('div', { class: 'chat-form', role: 'group', 'aria-label': t('chat.form') }, a.inputs.map(formInput), h('button', { type: 'button', class: 'chat-form-submit', disabled: true }, t('chat.submit'))),
};

function attachment(a) {
  const draw = ATTACHMENTS[a.kind];
  if (!draw) throw new Error(`the console cannot draw a ${a.kind} attachment`);
  return draw(a);
}

function button(btn) {
  const cls = ['chat-button', `color-${btn.color}`, `action-${btn.action}`];
  if (btn.url) return h('a', { class: cls, href: btn.url, target: '_blank', rel: 'noopener noreferrer' }, btn.title);
  // A command or a WAM runs inside Channel Talk: shown as the button the customer sees.
  const what = btn.action === 'command' ? t('chat.buttonCommand') : btn.action === 'wam' ? t('chat.buttonWam') : t('chat.buttonInvalid');
  return h('button', { type: 'button', class: cls, title: what }, btn.title);
}

export function bubble(rendered) {
  const buttons = rendered.buttons.map(button);
  const attachments = (rendered.attachments ?? []).map(attachment);
  return h(
    'div',
    { class: 'bubble' },
    rendered.blocks.map(block),
    attachments,
    buttons.length ? h('div', { class: 'chat-buttons' }, buttons) : null,
  );
}

/**
 * messages: [{seq, delayMs, rendered, state?, sentAt?}]; delayScale shows the
 * wait as the service applies it when given.
 */
export function chatView(messages, opts = {}) {
  const items = [];
  for (const m of messages) {
    const delay = m.delayMs ?? m.delay_ms ?? 0;
    const options = m.rendered.options?.length ? h('div', { class: 'chat-note chat-options' }, t('chat.options', { options: m.rendered.options.join(', ') })) : null;
    items.push(
      h('div', { class: 'chat-delay' }, m.seq === 0 ? t('chat.after', { duration: fmtDuration(delay) }) : t('chat.plus', { duration: fmtDuration(delay) })),
      h(
        'div',
        { class: ['chat-row', m.state && m.state !== 'sent' ? `not-sent st-${m.state}` : null], dataset: { seq: String(m.seq) } },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, opts.botInitial ?? 'B'),
        h('div', { class: 'chat-col' }, bubble(m.rendered), options, m.state && m.state !== 'sent' ? h('div', { class: 'chat-note' }, t('run.notSent', { state: t(`state.${m.state}`) })) : null),
      ),
    );
  }
  return h('div', { class: 'chat', role: 'log', 'aria-label': t('chat.log') }, items);
}
