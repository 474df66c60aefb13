// The console's words. One catalogue per language (messages-ko.json,
// messages-en.json, shared with the server's errors), loaded once before any
// view renders. The language: the operator's switch (remembered per account
// by the server, and here in localStorage for break-glass sessions), else the
// browser's (navigator.languages, as Accept-Language says), else English.
// Dates, times and numbers go through Intl in that language, in the channel's
// time zone (Asia/Seoul unless the server says otherwise).
import { fill } from './josa.js';

export const LANGUAGES = ['ko', 'en'];
const STORE_KEY = 'console.language';
const FALLBACK = 'en';

/** The first of the browser's languages that the console speaks. */
export function browserLanguage(list = navigator.languages ?? [navigator.language]) {
  for (const tag of list) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return FALLBACK;
}

function storedLanguage() {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return LANGUAGES.includes(v) ? v : null;
  } catch {
    return null;
  }
}

export const lang = storedLanguage() ?? browserLanguage();
const LOCALE = lang === 'ko' ? 'ko-KR' : 'en-US';

async function load(l) {
  const res = await fetch(`/console/static/messages-${l}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`messages-${l}.json: ${res.status}`);
  return res.json();
}
const catalogue = await load(lang);
document.documentElement.lang = lang;

/** Remembers a chosen language in this browser (null: follow the browser again); false when storage is refused. */
export function rememberLanguage(l) {
  try {
    if (l === null) localStorage.removeItem(STORE_KEY);
    else localStorage.setItem(STORE_KEY, l);
    return storedLanguage() === l;
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
    return false;
  }
}

/** Whether the catalogue has a key (for words that may come from outside it, like states). */
export const has = (key) => Object.hasOwn(catalogue, key);

/** The message for a key, with {name} placeholders filled; the key itself when missing (the catalogue test keeps that from shipping). */
export function t(key, params = {}) {
  const text = catalogue[key];
  if (typeof text !== 'string') return key;
  return fill(text, params, fmtValue);
}

/** A counted message: key.one / key.other by the language's plural rules, {count} filled. */
export function tn(key, count, params = {}) {
  const rule = new Intl.PluralRules(LOCALE).select(count);
  const k = Object.hasOwn(catalogue, `${key}.${rule}`) ? `${key}.${rule}` : `${key}.other`;
  return t(k, { ...params, count });
}

// A list of sentences from the server (src/words.ts) reads as them joined with commas, as messages.ts renders it.
function fmtValue(v) {
  if (Array.isArray(v)) return v.map(words).join(', ');
  if (v !== null && typeof v === 'object' && typeof v.code === 'string') return words(v);
  return typeof v === 'number' ? fmtNumber(v) : String(v);
}

/** A sentence the server sent as words ({code, params}, src/words.ts). */
export const words = (w) => t(w.code, w.params);

/** A number as the locale writes it; `digits` fixes the decimals (1.0 s stays 1.0 s). */
export function fmtNumber(n, digits) {
  return new Intl.NumberFormat(LOCALE, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

let timeZone = 'Asia/Seoul';
/** The channel's time zone, from the server's session answer. */
export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    timeZone = tz;
  } catch {
    // An unknown zone keeps the default rather than breaking every date.
  }
}
export const currentTimeZone = () => timeZone;

/** The channel's zone as Date#getTimezoneOffset counts it (minutes, UTC minus local), for "today" on the server. */
export function zoneOffsetMinutes(at = Date.now()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((Math.floor(at / 1000) * 1000 - local) / 60_000);
}

/**
 * A wall-clock time typed in a datetime-local input (YYYY-MM-DDTHH:mm[:ss]),
 * read in the channel's time zone rather than the browser's: epoch ms, or
 * NaN for anything else. The zone's offset is taken at that moment, then
 * again at the result, so a daylight-saving change in between is followed.
 */
export function channelTimeToEpoch(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(value));
  if (!m) return NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const first = wall + zoneOffsetMinutes(wall) * 60_000;
  return wall + zoneOffsetMinutes(first) * 60_000;
}

/** Date and time to the second, in the channel's time zone. */
export function fmtDateTime(ms) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(Number(ms)));
}

/** The hour of a moment, 00–23, in the channel's time zone. */
export function fmtHour(ms) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Number(ms)));
}

/** Fills a static page's [data-i18n] text and [data-i18n-attr] attributes (a comma-separated list of attribute:key). */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

// Values in a server error's params that are themselves words of the catalogue.
const PARAM_WORDS = { needs: 'role.', role: 'role.' };

/** An error from the server in the operator's language: its code when it has one. */
export function serverError(data, status) {
  if (data && typeof data.code === 'string' && Object.hasOwn(catalogue, data.code)) {
    const params = { ...(data.params ?? {}) };
    for (const [name, prefix] of Object.entries(PARAM_WORDS)) if (Object.hasOwn(catalogue, `${prefix}${params[name]}`)) params[name] = t(`${prefix}${params[name]}`);
    return t(data.code, params);
  }
  return data?.error || t('error.requestFailed', { status });
}
