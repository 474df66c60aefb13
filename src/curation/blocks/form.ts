// A form of 1 to 4 inputs, each bound to a field of the curation's profile
// contract: the answer is written to `user.profile.<key>`, where the
// curation reads it. The field decides the input's kind and its options.
import { z } from 'zod';
import { FORM_INPUT_TYPES, type Form, type FormInput } from '../../channeltalk/wire.js';
import type { Localized } from '../internals.js';
import { CurationFileError, said, suggest, type PathSegment, type Said } from '../load-errors.js';
import { localized, type MessageContext } from '../message-context.js';
import { Identifier, Localized as LocalizedFile } from '../schema-parts.js';
import { SequenceFailure } from '../sequence-failure.js';
import type { FieldSpec, FieldType } from '../types.js';
import { codePoints } from './spans.js';
import type { AttachmentEntry } from './types.js';

type InputType = FormInput['type'];
type DataType = NonNullable<FormInput['dataType']>;

/** The input kinds each field type may be asked with (the first is the default), each with what the answer is stored as. */
const ASKED_AS: { readonly [T in FieldType]: readonly [readonly [InputType, DataType], ...Array<readonly [InputType, DataType]>] } = {
  number: [['number', 'number']],
  text: [
    ['text', 'string'],
    ['date', 'date'],
    ['datetime', 'datetime'],
  ],
  boolean: [['bool', 'boolean']],
  option: [
    ['singleSelect', 'string'],
    ['radio', 'string'],
  ],
  list: [
    ['multiSelect', 'list'],
    ['checkbox', 'list'],
  ],
};

const InputFile = z.strictObject({
  field: Identifier.meta({ description: "A field of this curation's fields: the answer is written to its profile key." }),
  label: LocalizedFile,
  type: z.enum(FORM_INPUT_TYPES).optional().meta({ description: 'Default from the field: number, text, bool, singleSelect (option), multiSelect (list). A text field may be date or datetime, an option radio, a list checkbox.' }),
  required: z.boolean().optional().meta({ description: "Default: the field's own required." }),
});
const fileSchema = z
  .strictObject({
    inputs: z
      .array(InputFile)
      .min(1, { error: 'a form needs at least 1 input' })
      .max(4, { error: 'a form can have at most 4 inputs (Channel Talk refuses more)' }),
  })
  .meta({ description: "A form whose answers go straight into the customer's profile." });

interface CompiledInput {
  field: FieldSpec;
  label: Localized;
  type: InputType;
  dataType: DataType;
  required: boolean;
  path: PathSegment[];
}
export interface CompiledForm {
  key: 'form';
  inputs: CompiledInput[];
}

export const formPart: AttachmentEntry<'form', z.infer<typeof fileSchema>, CompiledForm> = {
  key: 'form',
  fileSchema,
  compile(value, at, ctx) {
    const inputs: CompiledInput[] = [];
    let ok = true;
    const asked = new Map<string, number>();
    value.inputs.forEach((input, j) => {
      const path = [...at, 'inputs', j];
      const compiled = compileInput(input, path, ctx, asked, j);
      if (compiled) inputs.push(compiled);
      else ok = false;
    });
    return ok ? { key: 'form', inputs } : null;
  },
  render(c, r): Form {
    return {
      type: 'custom',
      inputs: c.inputs.map((i) => {
        const label = r.render(i.label, [...i.path, 'label'], { tidy: false });
        if (label === '') throw new SequenceFailure([...i.path, 'label'], 'rendered empty');
        const input: FormInput = { type: i.type, label, bindingKey: `user.profile.${i.field.key}`, dataType: i.dataType, required: i.required };
        if (i.field.options.length > 0) input.options = i.field.options.map(offered);
        return input;
      }),
    };
  },
  // The customer reads every label.
  visibleLength: (f) => f.inputs.reduce((n, i) => n + codePoints(i.label), 0),
  describe: (f) =>
    f.inputs.map((i) => {
      const options = i.options && i.options.length > 0 ? `: ${i.options.join(' | ')}` : '';
      return `[form] ${i.label} (${i.type}${options}${i.required ? ', required' : ''})${i.bindingKey ? ` → ${i.bindingKey}` : ''}`;
    }),
  toConsole: (f) => ({ kind: 'form', inputs: f.inputs.map((i) => ({ label: i.label, type: i.type, required: i.required ?? false, options: i.options ?? [] })) }),
};

function compileInput(input: z.infer<typeof InputFile>, path: PathSegment[], ctx: MessageContext, asked: Map<string, number>, j: number): CompiledInput | null {
  const field = ctx.fields.get(input.field);
  const label = localized(input.label, [...path, 'label'], 'title', ctx);
  if (!field) {
    ctx.errors.push(new CurationFileError([...path, 'field'], unknownField(input.field, [...ctx.fields.keys()])));
    return null;
  }
  const before = asked.get(field.name);
  if (before !== undefined) {
    ctx.errors.push(new CurationFileError([...path, 'field'], said('check.formFieldTwice', { input: before, name: field.name }, `input ${before} already asks for '${field.name}': one input per field`)));
    return null;
  }
  asked.set(field.name, j);
  const kinds = ASKED_AS[field.type];
  const kind = input.type === undefined ? kinds[0] : kinds.find(([t]) => t === input.type);
  if (kind === undefined) {
    ctx.errors.push(new CurationFileError([...path, 'type'], askedAsOnly(field.type, kinds.map(([t]) => t), String(input.type))));
    return null;
  }
  const [type, dataType] = kind;
  return label ? { field, label, type, dataType, required: input.required ?? field.required, path } : null;
}

/**
 * What an option input offers for an option: its first label, the text the
 * shop's survey stored. Channel Talk's forms carry options as strings and
 * write the chosen string into the profile, so this is also what the field
 * reads back, and the label matches its option (options.ts). Labels that
 * would read the same are refused at load, so no two options offer one text.
 */
function offered(o: FieldSpec['options'][number]): string {
  return o.labels[0] ?? o.key;
}

/** `unknown field 'wieght'; did you mean 'weight'? A form input writes one of this curation's fields (weight, goal)`, with its key. */
function unknownField(name: string, names: readonly string[]): Said {
  if (names.length === 0) return said('check.formUnknownFieldNone', { name }, `unknown field '${name}'. A form input writes one of this curation's fields, and it has none`);
  const fields = names.join(', ');
  const s = suggest(name, names);
  const text = `unknown field '${name}'${s === null ? '.' : `; did you mean '${s}'?`} A form input writes one of this curation's fields (${fields})`;
  return s === null ? said('check.formUnknownField', { name, fields }, text) : said('check.formUnknownFieldSuggest', { name, suggestion: s, fields }, text);
}

/** `a text field is asked as text, date or datetime, not number`, with its key. */
function askedAsOnly(type: FieldType, kinds: readonly InputType[], given: string): Said {
  const article = /^[aeiou]/.test(type) ? 'an' : 'a';
  const [first = '', ...rest] = kinds;
  const last = rest.pop();
  if (last === undefined) return said('check.formInputType', { type, kind: first, given }, `${article} ${type} field is asked as ${first}, not ${given}`);
  const list = [first, ...rest].join(', ');
  const text = `${article} ${type} field is asked as ${list} or ${last}, not ${given}`;
  return article === 'an' ? said('check.formInputTypesAn', { type, kinds: list, last, given }, text) : said('check.formInputTypes', { type, kinds: list, last, given }, text);
}
