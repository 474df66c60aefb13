// A new curation's first text (issue 19 item 2): the template, or a copy of
// another curation's live text with its id replaced. No DOM here, so the test
// imports it as the browser does (test/console/curation-new.test.ts).

/** The same rule as the console API's (versions-api.ts): letters, digits, _ and -, at most 64. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Why `id` cannot name a new curation, as a catalogue key and its values (the page words it), or null when it can. */
export function newIdProblem(id, existingIds) {
  if (id === '') return { code: 'newCuration.typeId', params: {} };
  if (!ID.test(id)) return { code: 'newCuration.idRule', params: {} };
  if (existingIds.includes(id)) return { code: 'newCuration.idExists', params: { id } };
  return null;
}

/** A small valid curation: it starts only in chats tagged with its own id, so it cannot answer anyone by surprise. */
export function templateSource(id) {
  return `id: ${id}
title: New curation
defaultLanguage: en
# It starts only in chats tagged "${id}": change the trigger when it is ready.
trigger: { on: chatOpened, chatTags: [${id}] }
fields:
  name: { type: text, required: false, label: Name }
compute:
  greeting: coalesce(name, 'there')
messages:
  - delay: 1s
    text: "Hello {{ greeting }}."
  - delay: 3s
    text: Thank you for your answers.
`;
}

const TOP_ID = /^id:[^\n]*$/m;
const TOP_ENABLED = /^enabled:[^\n]*\n?/m;

/**
 * `source` (another curation's text) as the text of `newId`: its top-level id
 * replaced, and disabled, since it still has the original's trigger and would
 * otherwise start on the same events as the original.
 */
export function copySource(source, fromId, newId) {
  const header = `id: ${newId}\n# A copy of ${fromId}, disabled: it has ${fromId}'s trigger. Change the trigger, then remove this line.\nenabled: false`;
  const rest = source.replace(TOP_ENABLED, '');
  return TOP_ID.test(rest) ? rest.replace(TOP_ID, header) : `${header}\n${rest}`;
}
