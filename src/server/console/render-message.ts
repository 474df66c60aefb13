// Turns a v5 message body into plain data the browser draws as Channel Talk
// shows it (bold, italic, links, mentions, bullets, files, a link preview, a
// form, buttons). Each part type's drawing data is its registry entry's
// (curation/blocks/); parsing happens in TypeScript, so the page never
// interprets markup or sets HTML: it only creates text nodes and elements.
import type { ActionType, Button, MessageBody } from '../../channeltalk/wire.js';
import { viewAttachments, viewBlock } from '../../curation/blocks/registry.js';
import { safeUrl } from '../../curation/blocks/spans.js';
import type { RenderedAttachment, RenderedBlock } from '../../curation/blocks/types.js';

export { parseMarkup } from '../../curation/blocks/spans.js';
export type { RenderedAttachment, RenderedBlock, RenderedBullet, Span } from '../../curation/blocks/types.js';

export interface RenderedButton {
  title: string;
  /** A link button's http(s) address; null for an app's command or WAM (and for a link that is not http(s)). */
  url: string | null;
  color: string;
  action: ActionType;
}

export interface RenderedMessage {
  blocks: RenderedBlock[];
  attachments: RenderedAttachment[];
  buttons: RenderedButton[];
  /** The message's options (silent, private, …), for the operator; the customer does not see them. */
  options: string[];
}

export function renderBody(body: MessageBody): RenderedMessage {
  const blocks: RenderedBlock[] = body.blocks?.map((b) => viewBlock(b).toConsole()) ?? (body.plainText ? [{ kind: 'text', spans: [{ text: body.plainText }] }] : []);
  return {
    blocks,
    attachments: viewAttachments(body).map((a) => a.toConsole()),
    buttons: (body.buttons ?? []).map(renderButton),
    options: body.options ?? [],
  };
}

function renderButton(b: Button): RenderedButton {
  const color = b.colorVariant ?? 'cobalt';
  const a = b.action;
  switch (a.type) {
    case 'web':
      return { title: b.title, url: safeUrl(a.attributes.url), color, action: a.type };
    case 'command':
    case 'wam':
      // The desk runs these inside Channel Talk; the console can only show the button.
      return { title: b.title, url: null, color, action: a.type };
    default: {
      const _never: never = a;
      throw new Error(`unknown button action ${JSON.stringify(_never)}`);
    }
  }
}
