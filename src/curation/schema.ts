// The shape of a curation file. It is structural only (what keys exist and
// what type they hold), so that the JSON Schema generated from it gives
// editors completion and red squiggles. Meaning (unknown names, order of
// values, URLs, languages) is checked by compile.ts, with lines.
import { z } from 'zod';
import { MESSAGE_OPTIONS } from '../channeltalk/wire.js';
import { ATTACHMENT_FILE_KEYS, BlockFileSchema } from './blocks/registry.js';
import { ButtonFileSchema } from './buttons.js';
import { Duration, IDENTIFIER, Identifier, Label, LangCode, Localized, refuseReserved, SafeKey, Scalar } from './schema-parts.js';
import { TriggerFileSchema } from './triggers/registry.js';
import { UserEventFileSchema } from './user-event.js';
import { GoldenTestsFileSchema } from './golden-schema.js';

export { IDENTIFIER };

const TypingDelay = z.strictObject({
  typing: z
    .strictObject({ perChar: Duration, min: Duration, max: Duration })
    .meta({ description: 'Wait as long as typing the message would take: perChar × visible characters, kept within min and max.' }),
});
const Delay = z
  .union([Duration, z.literal(0), TypingDelay], { error: 'must be a duration such as 2s, or {typing: {perChar: 40ms, min: 1s, max: 4s}}' })
  .meta({ description: 'Wait before this message, measured from the previous message (or from the start of the run).' });

const Message = z.strictObject({
  text: Localized.optional().meta({ description: 'Shorthand for blocks: [{text: …}].' }),
  blocks: z.array(BlockFileSchema).min(1).optional(),
  ...ATTACHMENT_FILE_KEYS,
  buttons: z
    .array(ButtonFileSchema)
    .min(1)
    .max(2, { error: 'a message can have at most 2 buttons (Channel Talk refuses more)' })
    .optional(),
  options: z
    .array(z.enum(MESSAGE_OPTIONS))
    .min(1, { error: 'needs at least one option (Channel Talk refuses an empty list); leave options out for none' })
    .optional()
    .meta({ description: 'Channel Talk message options: silent, private, actAsManager, … (each at most once).' }),
  delay: Delay.optional(),
  when: z.string().optional().meta({ description: 'An expression: the message is sent only when it is true.' }),
});

const MessageList = z.array(Message).min(1);

const ComputeExpr = z.union([z.string(), z.number(), z.boolean()], { error: 'must be an expression (text), a number or true/false' });

const Field = z.strictObject({
  type: z.enum(['number', 'text', 'option', 'list', 'boolean']),
  key: SafeKey.min(1).optional().meta({ description: 'Profile key in Channel Talk, when it differs from the field name.' }),
  label: Label.optional(),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  required: z.boolean().optional().meta({ description: 'Default true: a missing or odd answer sends the fallback.' }),
  consent: z.boolean().optional().meta({ description: 'A boolean field that must be true for the curation to use the profile at all.' }),
  options: z
    .record(Identifier, z.union([z.string(), z.array(z.string()).min(1)], { error: 'must be a label or a list of labels' }))
    .optional()
    .meta({ description: 'option/list fields: option key → the survey label(s) that mean it.' }),
  otherwise: Identifier.optional().meta({ description: 'Option key for any other answer ("anything else means …").' }),
  maxLength: z.number().int().positive().optional(),
  pattern: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'text fields: a regular expression (RE2 syntax) the answer must contain a match of; anchor it with ^ and $ for the whole answer. Otherwise the answer is a problem, like an out-of-range number.' }),
  sample: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))], { error: 'must be an answer as the profile holds it: a text, a number, true/false, or a list of labels' })
    .optional()
    .meta({ description: "An answer as a customer gives it, for `curation check`'s dry run instead of a made-up one (checked against the field at load)." }),
});

const Band = z.strictObject({
  from: z.number().optional().meta({ description: 'Inclusive lower bound; omitted = no lower bound.' }),
  below: z.number().optional().meta({ description: 'Exclusive upper bound; omitted = no upper bound.' }),
  value: z.union([z.string(), z.number()], { error: 'must be a text or a number' }),
});

const Table = z.union(
  [
    z.strictObject({
      lookup: z.record(SafeKey, z.union([Scalar, z.record(SafeKey, Scalar)], { error: 'each entry is a value, or a row of values (key: value)' })),
      otherwise: Scalar.optional(),
      description: z.string().optional(),
    }),
    z.strictObject({
      bands: z.array(Band).min(1),
      otherwise: z.union([z.string(), z.number()], { error: 'must be a text or a number' }).optional(),
      description: z.string().optional(),
    }),
  ],
  { error: 'a table is {lookup: {key: value, …}} or {bands: [{from, below, value}, …]}' },
);

const AskSpec = z
  .strictObject({
    wait: Duration.optional().meta({ description: 'How long the run waits for the answer, from 1m to 30d. Default: ANSWER_WAIT_MINUTES (24h).' }),
    messages: MessageList.meta({
      description: "Sent instead of the fallback's messages when every missing or odd answer is one a form here asks for. Each form shows only the inputs for those answers.",
    }),
  })
  .meta({ description: 'Ask for the missing or odd answers in the chat, with a form bound to their profile keys; once answered, the run is planned again (once).' });

const FallbackSpec = z.strictObject({ messages: MessageList, ask: AskSpec.optional() });
const ConsentFallbackSpec = z.strictObject({ messages: MessageList });

export const CurationFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, - and _' }),
    title: z.string().optional(),
    description: z.string().optional(),
    enabled: z.boolean().optional().meta({ description: 'Default true. A disabled curation is checked and previewable but never triggered.' }),
    defaultLanguage: LangCode,
    languages: z.array(LangCode).min(1).optional().meta({ description: 'Every per-language text must give all of these. Default: [defaultLanguage].' }),
    timezone: z.string().min(1).optional().meta({ description: 'IANA time zone of weekday(), hour(), … in expressions (e.g. Europe/London). Default: Asia/Seoul.' }),
    trigger: TriggerFileSchema,
    limits: z
      .strictObject({
        oncePerChat: z.boolean().optional().meta({ description: 'Default true: at most one run per chat.' }),
        cooldown: z.union([Duration, z.null()], { error: 'must be a duration such as 24h, or null for no cooldown' }).optional().meta({ description: 'Minimum time between two runs for one customer.' }),
      })
      .optional(),
    takeover: z
      .strictObject({
        cancelOn: z.array(z.enum(['managerMessage', 'chatClosed', 'chatAssigned'])).optional().meta({ description: 'Which delivered events stop a running sequence. Default: all three.' }),
        onChatRead: z
          .array(z.enum(['closed', 'snoozed', 'assigned', 'team']))
          .optional()
          .meta({ description: 'What the chat read before each message stops a running sequence on: closed, snoozed, assigned (to a manager), team (given to a team). Default: all four; [] reads nothing.' }),
      })
      .optional()
      .meta({ description: 'What stops a running sequence (a human takeover).' }),
    functions: z.string().optional().meta({ description: 'Escape hatch: a JS module (./x.js, or ./x.ts compiled by the project) exporting CurationFunctions.' }),
    settings: z.record(Identifier, Scalar).optional().meta({ description: 'Constants (URLs, names) usable in expressions and templates.' }),
    fields: z.record(Identifier, Field).optional(),
    tables: z.record(Identifier, Table).optional(),
    compute: z
      .record(
        Identifier,
        // The expression's own union first: its JSON Schema stays one node of three types, so the editor offers names there, not true/false.
        z.union([ComputeExpr, z.strictObject({ expr: ComputeExpr, label: Label.optional() })], {
          error: 'must be an expression (text), a number or true/false, or {expr: …, label: …}',
        }),
      )
      .optional()
      .meta({ description: 'Named values computed in order; each expression may use fields, settings and the values above it. {expr, label} gives the value a label for the console.' }),
    pacing: z.strictObject({ delay: Delay }).optional().meta({ description: 'Default delay of messages that do not give one (default 2s).' }),
    messages: MessageList,
    fallback: FallbackSpec.optional().meta({ description: 'Sent instead when a required answer is missing or odd.' }),
    consentFallback: ConsentFallbackSpec.optional().meta({ description: 'Sent instead when consent is not given; without it the run is skipped.' }),
    writeBack: z
      .record(Identifier, refuseReserved(z.string().trim().min(1).max(100)))
      .optional()
      .meta({ description: 'After the sequence completes, write these computed values to the customer\'s Channel Talk profile: value name → profile key (e.g. bmr: dietBmr), so managers see them in the desk.' }),
    userEvent: UserEventFileSchema.optional(),
    tests: GoldenTestsFileSchema.optional(),
  })
  .meta({ title: 'Channel Talk curation', description: 'One curation: trigger, profile contract, values, messages.' });

export type CurationFile = z.infer<typeof CurationFileSchema>;
export type MessageSpecFile = z.infer<typeof Message>;
export type AskFile = z.infer<typeof AskSpec>;
export type { LocalizedFile } from './schema-parts.js';
export type DelayFile = z.infer<typeof Delay>;
export type FieldFile = z.infer<typeof Field>;
export type TableFile = z.infer<typeof Table>;

/** The JSON Schema editors use (`# yaml-language-server: $schema=./curation.schema.json`). */
export function curationJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(CurationFileSchema, { target: 'draft-7', io: 'input' });
}

export function curationJsonSchemaText(): string {
  return `${JSON.stringify(curationJsonSchema(), null, 2)}\n`;
}
