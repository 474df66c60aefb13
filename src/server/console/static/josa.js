// Korean particles after a filled-in value: `{webhook|을}` reads 을 after a
// word that ends in a consonant when read aloud and 를 after a vowel, as a
// Korean product writes it, instead of the template's "을(를)". Pure, no DOM:
// the browser's catalogue (i18n.js) and the server's (messages.ts) both use it.

// Each particle, as the catalogue may write it, to its form after a final consonant and after a vowel.
const PAIRS = {
  을: ['을', '를'], 를: ['을', '를'],
  이: ['이', '가'], 가: ['이', '가'],
  은: ['은', '는'], 는: ['은', '는'],
  과: ['과', '와'], 와: ['과', '와'],
  으로: ['으로', '로'], 로: ['으로', '로'],
  이에요: ['이에요', '예요'], 예요: ['이에요', '예요'],
};

// How a digit is read at the end of a number (0: 영, 1: 일, 2: 이, ...); 10, 100, 1000 and 10000 end in a consonant too (십, 백, 천, 만).
const DIGIT_END = ['other', 'rieul', 'none', 'other', 'none', 'none', 'other', 'rieul', 'rieul', 'none'];

/** The sound a word ends in when read aloud: no final consonant, ㄹ, or another final consonant. */
export function finalSound(word) {
  const w = String(word).replace(/[^0-9A-Za-z\u3131-\u318e\uac00-\ud7a3]+$/u, '');
  const last = w.at(-1);
  if (last === undefined) return 'none';
  const code = last.charCodeAt(0);
  if (code >= 0xac00 && code <= 0xd7a3) {
    const jong = (code - 0xac00) % 28;
    return jong === 0 ? 'none' : jong === 8 ? 'rieul' : 'other';
  }
  if (/[0-9]/.test(last)) return DIGIT_END[Number(last)];
  // Letters: an all-capital word is read letter by letter (URL: 유알엘, ID: 아이디); a word as a word (channel: 채널).
  const spelled = /^[A-Z]+$/.test(w.slice(-3)) || w.length === 1;
  if (spelled) return /[LR]/i.test(last) ? 'rieul' : /[MN]/i.test(last) ? 'other' : 'none';
  // Read as a word: only the endings Korean writes with a final consonant (channel 채널, main 메인, booking 부킹, webhook 웹훅); others take a vowel (test 테스트, refund 리펀드).
  if (/l$/i.test(w)) return 'rieul';
  return /(m|n|[aeiou]k)$/i.test(w) ? 'other' : 'none';
}

/** The particle's form after `word`; an unknown particle is returned as written. */
export function josa(word, particle) {
  const pair = PAIRS[particle];
  if (!pair) return particle;
  const sound = finalSound(word);
  // 으로 is 로 after ㄹ too (서울로, 파일로).
  if (pair[0] === '으로') return sound === 'other' ? '으로' : '로';
  return sound === 'none' ? pair[1] : pair[0];
}

/**
 * Fills `{name}` and `{name|particle}` placeholders, and `{'name'|particle}`
 * for a value in quotes with the particle after the closing quote ('x'가);
 * `show` turns a value into its text. A placeholder without a value stays as written.
 */
export function fill(text, params, show = String) {
  return text.replace(/\{(?:'(\w+)'|(\w+))(?:\|([\uac00-\ud7a3]+))?\}/g, (m, inQuotes, bare, particle) => {
    const name = inQuotes ?? bare;
    if (!Object.hasOwn(params, name)) return m;
    const shown = show(params[name]);
    const quoted = inQuotes ? `'${shown}'` : shown;
    return particle ? quoted + josa(shown, particle) : quoted;
  });
}
