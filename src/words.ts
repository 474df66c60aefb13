// A sentence as a key of the console's catalogues (src/server/console/static/
// messages-*.json) and its values, so the console can say it in the
// operator's language. A value may be a list of such sentences, which reads
// as the list joined with commas (a trigger's workflows, each with or
// without its sections), or one such sentence (a failure's detail).
export interface Words {
  code: string;
  params: Record<string, WordValue>;
}
export type WordValue = string | number | Words | readonly Words[];

export const words = (code: string, params: Record<string, WordValue> = {}): Words => ({ code, params });
