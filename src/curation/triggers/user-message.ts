// `on: userMessage`: the customer writes one of the keywords
// (`message.created.userChat`; managers' and bots' messages never start one).
import { z } from 'zod';
import { CurationFileError, said } from '../load-errors.js';
import { matchesKeyword } from '../keywords.js';
import { keywordForm } from '../normalize.js';
import { words } from '../../words.js';
import type { TriggerKindEntry } from './types.js';

/** How keywords are matched; the console words each (`trigger.keywords.*`). */
export const KEYWORD_MATCHES = ['exact', 'contains'] as const;

const keys = {
  keywords: z.array(z.string().min(1)).optional().meta({ description: 'userMessage: the message must be one of these (synonyms).' }),
  match: z.enum(KEYWORD_MATCHES).optional().meta({ description: 'exact (default): the whole message is the keyword; contains: anywhere in it.' }),
};

export const userMessage = {
  kind: 'userMessage',
  description: 'the customer writes one of the keywords',
  keys,
  scopes: ['message.created.userChat'],
  compile(file, errors) {
    const keywords = (file.keywords ?? []).map((k, i) => {
      const n = keywordForm(k);
      if (n === '') errors.push(new CurationFileError(['trigger', 'keywords', i], said('check.keywordEmpty', {}, 'has no letters, digits or emoji left once spacing and punctuation are ignored')));
      return n;
    });
    if (keywords.length === 0) {
      errors.push(new CurationFileError(['trigger'], said('check.userMessageNeedsKeywords', {}, "a userMessage trigger needs 'keywords' (otherwise every message the customer writes would start it)")));
    }
    const rule = { keywords, match: file.match ?? 'exact' };
    return {
      fields: { keywords: file.keywords ?? [], match: rule.match },
      matches: (event) => event.kind === 'userMessage' && matchesKeyword(rule, event.text),
    };
  },
  describe: (t) => [`keywords ${t.keywords.join(', ')} (${t.match})`],
  words: (t) => [words(`trigger.keywords.${t.match}`, { keywords: t.keywords.join(', ') })],
} satisfies TriggerKindEntry<'userMessage', typeof keys>;
