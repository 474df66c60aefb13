// The v5 Open API message contract, as the client may send it: a strict
// subset of the OpenAPI document's OpenMessageCreateRequest (the fake's
// fake-channeltalk/spec.ts transcribes the document; a test checks that every
// body accepted here is accepted there). Strict objects, so the client never
// sends a key the document does not name.
import { z } from 'zod';

export const COLOR_VARIANTS = ['cobalt', 'green', 'orange', 'red', 'black', 'pink', 'purple'] as const;
export const MESSAGE_OPTIONS = [
  'actAsManager',
  'displayAsChannel',
  'doNotPost',
  'doNotSearch',
  'doNotSendApp',
  'doNotUpdateDesk',
  'immutable',
  'private',
  'silent',
  'silentToManager',
  'silentToUser',
] as const;
export const FORM_INPUT_TYPES = ['text', 'number', 'bool', 'date', 'datetime', 'radio', 'singleSelect', 'checkbox', 'multiSelect'] as const;
export const FORM_DATA_TYPES = ['string', 'date', 'list', 'listOfNumber', 'number', 'datetime', 'boolean'] as const;
/** How deep bullets may nest (a bullets block inside a bullets block …): the document sets no bound, a chat bubble needs one. */
export const MAX_BULLET_DEPTH = 3;
/** Where a form's answer is written; the document's pattern, bounded. */
export const BINDING_KEY = /^(user|userChat)\.profile\..{1,200}$/;

export const HttpUrlSchema = z.url({ protocol: /^https?$/ });
const Text = z.string().min(1);

export const TextBlockSchema = z.strictObject({ type: z.literal('text'), value: Text });
export const CodeBlockSchema = z.strictObject({
  type: z.literal('code'),
  value: Text,
  language: z.string().optional(),
});

export interface TextBlock {
  type: 'text';
  value: string;
}
export interface BulletsBlock {
  type: 'bullets';
  /** Text items, and bullets nested in them, at most MAX_BULLET_DEPTH levels in all. */
  blocks: Array<TextBlock | BulletsBlock>;
}

/** A bullets block whose nesting, counting itself, is at most `depth` levels. */
function bulletsSchema(depth: number): z.ZodType<BulletsBlock> {
  const item = depth <= 1 ? TextBlockSchema : z.union([TextBlockSchema, bulletsSchema(depth - 1)]);
  return z.strictObject({ type: z.literal('bullets'), blocks: z.array(item).min(1) });
}
export const BulletsBlockSchema = bulletsSchema(MAX_BULLET_DEPTH);
export const BlockSchema = z.union([TextBlockSchema, CodeBlockSchema, BulletsBlockSchema]);

/** Arguments of a command or WAM: each a JSON object (the document: `additionalProperties: {type: object}`). */
const ActionArgs = z.record(z.string().min(1), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])));
export const WebActionSchema = z.strictObject({ type: z.literal('web'), attributes: z.strictObject({ url: HttpUrlSchema }) });
export const CommandActionSchema = z.strictObject({
  type: z.literal('command'),
  attributes: z.strictObject({ appId: Text, name: Text, params: ActionArgs.optional() }),
});
export const WamActionSchema = z.strictObject({
  type: z.literal('wam'),
  attributes: z.strictObject({ appId: Text, name: Text, wamArgs: ActionArgs.optional() }),
});
export const ActionSchema = z.discriminatedUnion('type', [WebActionSchema, CommandActionSchema, WamActionSchema]);

export const ButtonSchema = z.strictObject({
  title: Text,
  colorVariant: z.enum(COLOR_VARIANTS).optional(),
  action: ActionSchema,
});

const Int = z.number().int().nonnegative();
/** A file already uploaded to Channel Talk's storage, by reference. */
export const FileSchema = z.strictObject({
  id: Text,
  type: z.string().optional(),
  name: Text,
  size: Int,
  contentType: z.string().optional(),
  duration: z.number().nonnegative().optional(),
  width: Int.optional(),
  height: Int.optional(),
  orientation: Int.optional(),
  animated: z.boolean().optional(),
  bucket: Text,
  key: Text,
  previewKey: z.string().optional(),
});

/** A link preview. */
export const WebPageSchema = z.strictObject({
  id: Text,
  url: HttpUrlSchema,
  title: z.string().optional(),
  description: z.string().optional(),
  imageUrl: HttpUrlSchema.optional(),
  videoUrl: HttpUrlSchema.optional(),
  publisher: z.string().optional(),
  author: z.string().optional(),
  width: Int.optional(),
  height: Int.optional(),
  name: z.string().optional(),
});

const unique = (items: readonly string[]) => new Set(items).size === items.length;

export const FormInputSchema = z.strictObject({
  type: z.enum(FORM_INPUT_TYPES),
  label: Text,
  bindingKey: z.string().regex(BINDING_KEY, { error: 'bindingKey must be user.profile.KEY or userChat.profile.KEY' }).optional(),
  required: z.boolean().optional(),
  dataType: z.enum(FORM_DATA_TYPES).optional(),
  // Strings, as Channel Talk's own stored forms carry them: the string is what
  // the customer sees and what the profile gets (objects may be refused with a
  // 422, or stored as keys the shop never sees).
  options: z
    .array(Text)
    .min(1)
    .refine((o) => unique(o), { error: 'options must not repeat an option' })
    .optional(),
});
/** The custom form a bot composes (the call and follow-up forms are Channel Talk's own). */
export const FormSchema = z.strictObject({
  type: z.literal('custom'),
  inputs: z.array(FormInputSchema).min(1).max(4),
});

export const MessageBodySchema = z
  .strictObject({
    blocks: z.array(BlockSchema).min(1).optional(),
    plainText: Text.optional(),
    buttons: z.array(ButtonSchema).min(1).max(2).optional(),
    files: z.array(FileSchema).min(1).max(10).optional(),
    webPage: WebPageSchema.optional(),
    form: FormSchema.optional(),
    options: z
      .array(z.enum(MESSAGE_OPTIONS))
      .min(1)
      .refine(unique, { error: 'options must not repeat an option' })
      .optional(),
    requestId: z.string().min(1).max(200).optional(),
  })
  .refine((b) => b.blocks !== undefined || b.plainText !== undefined || b.files !== undefined || b.webPage !== undefined || b.form !== undefined, {
    message: 'a message needs blocks, plainText, files, webPage or form',
  });

export type CodeBlock = z.infer<typeof CodeBlockSchema>;
export type Block = TextBlock | CodeBlock | BulletsBlock;
export type BlockType = Block['type'];
export type Action = z.infer<typeof ActionSchema>;
export type ActionType = Action['type'];
export type Button = z.infer<typeof ButtonSchema>;
export type FileRef = z.infer<typeof FileSchema>;
export type WebPage = z.infer<typeof WebPageSchema>;
export type FormInput = z.infer<typeof FormInputSchema>;
export type Form = z.infer<typeof FormSchema>;
export type MessageOption = (typeof MESSAGE_OPTIONS)[number];
export type MessageBody = Omit<z.infer<typeof MessageBodySchema>, 'blocks'> & { blocks?: Block[] };
export type ColorVariant = (typeof COLOR_VARIANTS)[number];
