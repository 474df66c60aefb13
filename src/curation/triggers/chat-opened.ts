// `on: chatOpened`: a user chat opens (`userChat.opened`). Everything it
// checks is common to all kinds (sources, chat tags).
import type { TriggerKindEntry } from './types.js';

export const chatOpened = {
  kind: 'chatOpened',
  description: 'a user chat opens',
  keys: {},
  scopes: ['userChat.opened'],
  compile: () => ({ fields: {}, matches: () => true }),
  describe: () => [],
  words: () => [],
} satisfies TriggerKindEntry<'chatOpened', Record<never, never>>;
