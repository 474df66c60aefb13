// Request bodies as Channel Talk's public OpenAPI document (v27.40.6) states
// them, so the fake accepts what the real API accepts, no more and no less.
// The document does not forbid unknown properties, so they pass here (the
// client's own schema, channeltalk/wire.ts, is strict, so it never sends
// any). Properties the document marks readOnly are ignored the same way.
import { z } from 'zod';

const OPTIONS = [
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
const COLORS = ['cobalt', 'green', 'orange', 'red', 'black', 'pink', 'purple'] as const;
export const FORM_INPUT_TYPES = ['text', 'number', 'bool', 'date', 'datetime', 'radio', 'singleSelect', 'checkbox', 'multiSelect'] as const;
const FORM_DATA_TYPES = ['string', 'date', 'list', 'listOfNumber', 'number', 'datetime', 'boolean'] as const;
export const WEBHOOK_SCOPES = [
  'userChat.opened',
  'message.created.userChat',
  'message.created.teamChat',
  'lead.upserted.contact',
  'lead.upserted.subscription',
  'lead.deleted',
  'member.upserted.contact',
  'member.upserted.subscription',
  'member.deleted',
] as const;

const unique = <T>(items: T[]) => new Set(items.map((i) => JSON.stringify(i))).size === items.length;
const int64 = z.number().int();
const anyObject = z.record(z.string(), z.unknown());

/** message.Block: `blocks` nest recursively. */
export interface SpecBlock {
  type: 'bullets' | 'code' | 'text';
  language?: string | undefined;
  value?: string | undefined;
  blocks?: SpecBlock[] | undefined;
}
export const SpecBlockSchema: z.ZodType<SpecBlock> = z.looseObject({
  type: z.enum(['bullets', 'code', 'text']),
  language: z.string().optional(),
  value: z.string().optional(),
  get blocks() {
    return z.array(SpecBlockSchema).optional();
  },
});

/** message.action.Action, discriminated by `type` into its three documented subtypes. */
const SpecActionSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('web'), attributes: z.looseObject({ url: z.string() }) }),
  z.looseObject({
    type: z.literal('command'),
    attributes: z.looseObject({ appId: z.string(), name: z.string(), params: z.record(z.string(), anyObject).optional() }),
  }),
  z.looseObject({
    type: z.literal('wam'),
    attributes: z.looseObject({ appId: z.string(), name: z.string(), wamArgs: z.record(z.string(), anyObject).optional() }),
  }),
]);

const SpecButtonSchema = z.looseObject({
  title: z.string(),
  colorVariant: z.enum(COLORS).optional(),
  action: SpecActionSchema,
  url: z.string().optional(),
});

const SpecFileSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  name: z.string(),
  size: int64,
  contentType: z.string().optional(),
  duration: z.number().optional(),
  width: int64.optional(),
  height: int64.optional(),
  orientation: int64.optional(),
  animated: z.boolean().optional(),
  bucket: z.string(),
  key: z.string(),
  previewKey: z.string().optional(),
});

const SpecWebPageSchema = z.looseObject({
  id: z.string(),
  url: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  imageUrl: z.string().optional(),
  videoUrl: z.string().optional(),
  publisher: z.string().optional(),
  author: z.string().optional(),
  width: int64.optional(),
  height: int64.optional(),
  bucket: z.string().optional(),
  previewKey: z.string().optional(),
  logo: z.string().optional(),
  name: z.string().optional(),
});

export const BINDING_KEY = /^(user|userChat)\.profile\..+/;

const SpecCustomFormInputSchema = z.looseObject({
  type: z.enum(FORM_INPUT_TYPES).optional(),
  dataType: z.enum(FORM_DATA_TYPES).optional(),
  required: z.boolean().optional(),
  // The document says objects, but every stored form on record (support-bot
  // and follow-up forms) carries strings, and the live API is not known to
  // take {value, label}: the strict fake refuses anything but strings.
  options: z.array(z.string({ error: 'a form option must be a string (the text shown and stored), not an object' })).optional(),
  label: z.string(),
  bindingKey: z.string().regex(BINDING_KEY, 'bindingKey must match ^(user|userChat)\\.profile\\..+').optional(),
  value: z.unknown().optional(),
  readOnly: z.boolean().optional(),
  userChatProfileBindingKey: z.boolean().optional(),
  userProfileBindingKey: z.boolean().optional(),
});

/**
 * message.form.Form is discriminated by `type`; the one a bot composes is the
 * custom form (1 to 4 inputs). The call and follow-up forms are made by
 * Channel Talk itself, so the fake refuses them in a create request.
 */
const SpecFormSchema = z.looseObject({
  type: z.literal('custom', { error: "form.type must be 'custom' (the call and follow-up forms are Channel Talk's own)" }),
  inputs: z.array(SpecCustomFormInputSchema).min(1).max(4),
});

export const SpecMessageCreateSchema = z
  .looseObject({
    blocks: z.array(SpecBlockSchema).optional(),
    plainText: z.string().optional(),
    buttons: z.array(SpecButtonSchema).min(1).max(2).optional(),
    files: z.array(SpecFileSchema).min(1).max(10).optional(),
    webPage: SpecWebPageSchema.optional(),
    form: SpecFormSchema.optional(),
    options: z
      .array(z.enum(OPTIONS))
      .min(1)
      .optional()
      .refine((o) => o === undefined || unique(o), { message: 'options must not repeat an option' }),
    requestId: z.string().optional(),
  })
  // The document is silent here; a message with nothing to show has never been
  // accepted in a capture, so the fake refuses it as the real API does.
  .refine((b) => ['blocks', 'plainText', 'files', 'webPage', 'form'].some((k) => b[k] !== undefined), {
    message: 'a message needs blocks, plainText, files, webPage or form',
  });

// user.User's readOnly properties: a PATCH that tries to set one is refused
// (the document marks them read-only; `name` is set through profile.name).
const USER_READ_ONLY = ['id', 'channelId', 'memberId', 'veilId', 'unifiedId', 'type', 'name', 'mobileNumberQualified', 'emailQualified', 'userImportTags', 'hasChat', 'hasPushToken', 'country', 'timeZone', 'province', 'city', 'latitude', 'longitude', 'sessionsCount', 'lastSeenAt', 'createdAt', 'updatedAt', 'version'];

/** user.User as a PATCH body: its writable properties. */
export const SpecUserPatchSchema = z.looseObject({
  profile: anyObject.optional(),
  profileOnce: anyObject.optional(),
  tags: z
    .array(z.string())
    .max(20)
    .optional()
    .refine((t) => t === undefined || unique(t), { message: 'tags must not repeat a tag' }),
  blocked: z.boolean().optional(),
  unsubscribeEmail: z.boolean().optional(),
  unsubscribeTexting: z.boolean().optional(),
  language: z.string().optional(),
}).superRefine((body, ctx) => {
  for (const key of USER_READ_ONLY) {
    if (key in body) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is read-only${key === 'name' ? ' (set profile.name)' : ''}` });
  }
});

/** Event (POST /users/{id}/events). */
export const SpecUserEventSchema = z.looseObject({
  name: z.string().min(1),
  property: z.record(z.string(), z.unknown()).optional(),
});

/** webhook.Webhook, for POST and PATCH (the document gives PATCH the same schema, required fields included). */
export const SpecWebhookSchema = z.looseObject({
  name: z.string(),
  url: z.string(),
  scopes: z
    .array(z.enum(WEBHOOK_SCOPES))
    .refine((s) => unique(s), { message: 'scopes must not repeat a scope' }),
  keywords: z
    .array(z.string())
    .min(1)
    .max(20)
    .optional()
    .refine((k) => k === undefined || unique(k), { message: 'keywords must not repeat a keyword' }),
  apiVersion: z.string(),
  blocked: z.boolean().optional(),
});

export type SpecWebhookBody = z.infer<typeof SpecWebhookSchema>;

export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`);
}
