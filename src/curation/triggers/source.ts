// The conditions every trigger kind shares: where the chat came from
// (support bots, workflows and their sections) and the tags it carries.
import { z } from 'zod';
import type { Event } from '../../channeltalk/event.js';
import { ID_PATTERN, ID_RULE } from '../../channeltalk/ids.js';
import { CurationFileError, said, type PathSegment } from '../load-errors.js';
import { normalizeLabel } from '../normalize.js';
import type { Trigger, WorkflowRef } from '../types.js';
import { words, type Words } from '../../words.js';

const SourceId = z.union([z.string(), z.number().int()], { error: 'must be an id (text or number)' });
const WorkflowRefFile = z.union(
  [
    SourceId,
    z.strictObject({
      id: SourceId,
      sections: z.array(SourceId).optional().meta({ description: 'Section ids: the chat must have gone through one of them; empty or omitted = any section.' }),
    }),
  ],
  { error: 'must be a workflow id, or {id: …, sections: [section ids]}' },
);

export const COMMON_KEYS = {
  supportBots: z
    .array(z.union([z.string(), z.number().int()], { error: 'must be a bot id' }))
    .optional()
    .meta({ description: 'Support bot ids the chat must come from; empty or omitted = any bot (or none).' }),
  workflows: z
    .array(WorkflowRefFile)
    .optional()
    .meta({ description: 'Workflows the chat must come from (an id, or {id, sections}); with supportBots, either source will do; empty or omitted = no condition.' }),
  chatTags: z.array(z.string()).optional().meta({ description: 'The chat must carry at least one of these tags; empty = no condition.' }),
};

type CommonFile = z.infer<z.ZodObject<typeof COMMON_KEYS>>;

export interface CompiledSource {
  fields: Pick<Trigger, 'supportBots' | 'workflows' | 'chatTags'>;
  matches(event: Event): boolean;
}

export function compileSource(file: CommonFile, errors: CurationFileError[]): CompiledSource {
  const workflows = (file.workflows ?? []).map((w, i) => compileWorkflowRef(w, ['trigger', 'workflows', i], errors));
  const tags = (file.chatTags ?? []).map((t, i) => {
    const n = normalizeLabel(t);
    if (n === '') errors.push(new CurationFileError(['trigger', 'chatTags', i], said('check.tagEmpty', {}, 'is empty')));
    return n;
  });
  const fields = { supportBots: (file.supportBots ?? []).map((b) => String(b).trim()), workflows, chatTags: file.chatTags ?? [] };
  return {
    fields,
    matches: (event) => fromNamedSource(fields, event) && (tags.length === 0 || event.chatTags.some((t) => tags.includes(normalizeLabel(t)))),
  };
}

export function describeSource(t: Trigger): string[] {
  const bits: string[] = [];
  if (t.supportBots.length > 0) bits.push(`support bots ${t.supportBots.join(', ')}`);
  if (t.workflows.length > 0) bits.push(`workflows ${t.workflows.map((w) => (w.sections.length > 0 ? `${w.id} (sections ${w.sections.join(', ')})` : w.id)).join(', ')}`);
  if (t.chatTags.length > 0) bits.push(`chat tags ${t.chatTags.join(', ')}`);
  return bits;
}

/** describeSource's parts as catalogue keys (`trigger.*`). */
export function sourceWords(t: Trigger): Words[] {
  const bits: Words[] = [];
  if (t.supportBots.length > 0) bits.push(words('trigger.supportBots', { ids: t.supportBots.join(', ') }));
  if (t.workflows.length > 0) {
    const each = t.workflows.map((w) => (w.sections.length > 0 ? words('trigger.workflowSections', { id: w.id, sections: w.sections.join(', ') }) : words('trigger.workflow', { id: w.id })));
    bits.push(words('trigger.workflows', { workflows: each }));
  }
  if (t.chatTags.length > 0) bits.push(words('trigger.chatTags', { tags: t.chatTags.join(', ') }));
  return bits;
}

/** Support bots and workflows both name where a chat came from: with either list given, the chat must come from one of the listed. */
function fromNamedSource(t: Pick<Trigger, 'supportBots' | 'workflows'>, event: Event): boolean {
  if (t.supportBots.length === 0 && t.workflows.length === 0) return true;
  if (event.supportBotId !== null && t.supportBots.includes(String(event.supportBotId).trim())) return true;
  const wf = event.workflow ?? null;
  return wf !== null && t.workflows.some((w) => w.id === wf.id && (w.sections.length === 0 || w.sections.some((s) => wf.sectionPath.includes(s))));
}

/** A workflow (an id, or {id, sections}) as the matcher compares it: ids as strings, checked to be ids. */
function compileWorkflowRef(ref: z.infer<typeof WorkflowRefFile>, path: PathSegment[], errors: CurationFileError[]): WorkflowRef {
  const entry = typeof ref === 'object' ? ref : { id: ref, sections: [] };
  const idAt = (v: string | number, at: PathSegment[]): string => {
    const id = String(v).trim();
    if (!ID_PATTERN.test(id)) errors.push(new CurationFileError(at, said('check.notAnId', { id }, `'${id}' is not a Channel Talk id: ${ID_RULE}`)));
    return id;
  };
  return {
    id: idAt(entry.id, typeof ref === 'object' ? [...path, 'id'] : path),
    sections: (entry.sections ?? []).map((s, i) => idAt(s, [...path, 'sections', i])),
  };
}
