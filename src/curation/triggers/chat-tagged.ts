// `on: chatTagged`: a support bot or a Workflow adds one of `tags` to an open
// chat. No webhook scope delivers a chat's tags; such a tag arrives as a bot's
// log message (`log.action: addTags`) on `message.created.userChat`, which
// channeltalk/tags.ts reads. A tag a manager adds in the desk never starts it.
import { z } from 'zod';
import { MAX_TAG_LENGTH } from '../../channeltalk/tags.js';
import { CurationFileError, said } from '../load-errors.js';
import { normalizeLabel } from '../normalize.js';
import { words } from '../../words.js';
import type { TriggerKindEntry } from './types.js';

const keys = {
  tags: z
    .array(z.string().max(MAX_TAG_LENGTH, { error: `a tag is at most ${MAX_TAG_LENGTH} characters (a longer one is not read from Channel Talk)` }))
    .optional()
    .meta({ description: 'chatTagged: one of these tags must be among those added (case, width and spacing ignored).' }),
};

export const chatTagged = {
  kind: 'chatTagged',
  description: 'a support bot or a Workflow adds a tag to an open chat (its addTags log message)',
  keys,
  scopes: ['message.created.userChat'],
  compile(file, errors) {
    const tags = (file.tags ?? []).map((t, i) => {
      const n = normalizeLabel(t);
      if (n === '') errors.push(new CurationFileError(['trigger', 'tags', i], said('check.tagEmpty', {}, 'is empty')));
      return n;
    });
    if (tags.length === 0) {
      errors.push(new CurationFileError(['trigger'], said('check.chatTaggedNeedsTags', {}, "a chatTagged trigger needs 'tags' (otherwise any tag a bot or a Workflow adds would start it)")));
    }
    return {
      fields: { tags: file.tags ?? [] },
      matches: (event) => event.kind === 'chatTagged' && event.tags.some((t) => tags.includes(normalizeLabel(t))),
    };
  },
  describe: (t) => [`tags ${t.tags.join(', ')}`],
  words: (t) => [words('trigger.tags', { tags: t.tags.join(', ') })],
} satisfies TriggerKindEntry<'chatTagged', typeof keys>;
