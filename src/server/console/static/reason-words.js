// Reasons and problems the server stores as words (curation/reason-words.ts:
// a catalogue key and its params), worded in one language with fields and
// values under the curation's labels. Pure (no DOM, no catalogue of its own):
// the console (words.js) and `curation preview` (src/cli/reason-text.ts) each
// give it their catalogue's `t` and `has`, their language and their duration.
// A reason older than the words (or with a code this catalogue lacks) stays
// its English sentence.

const NO_LABELS = { fields: {}, values: {} };

/**
 * The wording functions for one language: `t(key, params)` fills a catalogue
 * message, `has(key)` says whether the catalogue has it, `lang` is its
 * language (labels are picked in it), `duration(ms)` words a wait.
 */
export function reasonWording({ t, has, lang, duration }) {
  /** A label (a text, or {ko, en}) in this language; the other language, else the key, when it has none. */
  const pickLabel = (label, key) => {
    if (typeof label === 'string') return label;
    if (label && typeof label === 'object') return label[lang] ?? Object.values(label).find((v) => typeof v === 'string') ?? key;
    return key;
  };
  const fieldLabel = (labels, key) => pickLabel((labels ?? NO_LABELS).fields?.[key], key);
  const valueLabel = (labels, name) => pickLabel((labels ?? NO_LABELS).values?.[name], name);
  /** A field problem ({field, problem}) as "체중 누락". */
  const problemText = (p, labels) => t(`problem.${p.problem}`, { label: fieldLabel(labels, p.field) });
  /** An event's kind in words (chatOpened → 상담 시작). */
  const eventKindText = (kind) => (has(`eventKind.${kind}`) ? t(`eventKind.${kind}`) : kind);

  /** One param: keys under their labels (`field`, `value`, `fields`, `problems` as `key:kind`), an event kind and a wait in words, the rest as it is. */
  function param(name, v, labels) {
    switch (name) {
      case 'field':
        return fieldLabel(labels, String(v));
      case 'value':
        return valueLabel(labels, String(v));
      case 'fields':
        return (Array.isArray(v) ? v : [v]).map((k) => fieldLabel(labels, String(k))).join(', ');
      case 'problems':
        return (Array.isArray(v) ? v : [v])
          .map((s) => {
            const i = String(s).lastIndexOf(':');
            return problemText({ field: String(s).slice(0, i), problem: String(s).slice(i + 1) }, labels);
          })
          .join(', ');
      case 'event':
        return eventKindText(String(v));
      case 'waitMs':
        return duration(Number(v));
      default:
        // A failure's detail may be a sentence of the catalogue itself ({code, params}): t() words it.
        return Array.isArray(v) ? v.join(', ') : v;
    }
  }

  /** A stored reason: its words when it has them, else the English the server wrote (older rows), else null. */
  function reasonText(words, english, labels) {
    if (!Array.isArray(words) || words.length === 0 || !words.every((w) => has(`reason.${w.code}`))) return english ?? null;
    return words.map((w) => t(`reason.${w.code}`, Object.fromEntries(Object.entries(w.params ?? {}).map(([k, v]) => [k, param(k, v, labels)])))).join(' · ');
  }

  return { pickLabel, fieldLabel, valueLabel, problemText, eventKindText, reasonText };
}

/** A wait in two units, the second left out when it is zero (3분, 3분 20초); `number(n, digits)` writes a number as the caller's language does. */
export function durationWording(t, number) {
  return (v) => {
    if (Math.abs(v) < 1000) return t('duration.ms', { n: Math.round(v) });
    if (Math.abs(v) < 60_000) return t('duration.s', { n: number(v / 1000, 1) });
    if (Math.abs(v) < 3_600_000) {
      const [a, b] = [Math.floor(v / 60_000), Math.round((v % 60_000) / 1000)];
      return b ? t('duration.minS', { a, b }) : t('duration.min', { a });
    }
    if (Math.abs(v) < 86_400_000) {
      const [a, b] = [Math.floor(v / 3_600_000), Math.round((v % 3_600_000) / 60_000)];
      return b ? t('duration.hMin', { a, b }) : t('duration.h', { a });
    }
    const [a, b] = [Math.floor(v / 86_400_000), Math.round((v % 86_400_000) / 3_600_000)];
    return b ? t('duration.dH', { a, b }) : t('duration.d', { a });
  };
}
