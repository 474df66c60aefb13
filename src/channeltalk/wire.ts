// The v5 Open API message contract, as the real API enforces it. Both the
// client (to refuse building a body the API would reject) and the fake
// Channel Talk (to answer 422 like the real one) validate against this.
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

export const TextBlockSchema = z.strictObject({ type: z.literal('text'), value: z.string().min(1) });
export const CodeBlockSchema = z.strictObject({
  type: z.literal('code'),
  value: z.string().min(1),
  language: z.string().optional(),
});
export const BulletsBlockSchema = z.strictObject({
  type: z.literal('bullets'),
  blocks: z.array(TextBlockSchema).min(1),
});
export const BlockSchema = z.discriminatedUnion('type', [TextBlockSchema, CodeBlockSchema, BulletsBlockSchema]);

export const ButtonSchema = z.strictObject({
  title: z.string().min(1),
  colorVariant: z.enum(COLOR_VARIANTS).optional(),
  action: z.strictObject({
    type: z.literal('web'),
    attributes: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }),
  }),
});

export const MessageBodySchema = z
  .strictObject({
    blocks: z.array(BlockSchema).min(1).optional(),
    plainText: z.string().min(1).optional(),
    buttons: z.array(ButtonSchema).min(1).max(2).optional(),
    options: z.array(z.enum(MESSAGE_OPTIONS)).optional(),
    requestId: z.string().min(1).max(200).optional(),
  })
  .refine((b) => b.blocks !== undefined || b.plainText !== undefined, {
    message: 'a message needs blocks or plainText',
  });

export type TextBlock = z.infer<typeof TextBlockSchema>;
export type Block = z.infer<typeof BlockSchema>;
export type Button = z.infer<typeof ButtonSchema>;
export type MessageBody = z.infer<typeof MessageBodySchema>;
export type ColorVariant = (typeof COLOR_VARIANTS)[number];
