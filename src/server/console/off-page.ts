// The page /console shows when the console is off (no ADMIN_TOKEN): how to
// turn it on, in the language the browser asks for (Accept-Language), from
// the console's catalogue, styled by console.css. No inline script or style:
// the console's CSP allows neither.
import { LANGUAGES, loadCatalogue, render, type Language } from './messages.js';

/** The first of our languages by the header's preference (q), English when it names none. */
export function languageOf(acceptLanguage: string | undefined): Language {
  let best: { lang: Language; q: number } | null = null;
  for (const part of (acceptLanguage ?? '').slice(0, 1000).split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    const primary = range.trim().toLowerCase().split('-')[0];
    const lang = LANGUAGES.find((l) => l === primary);
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > 0 && (best === null || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A value to show as code: between private-use characters, which no catalogue
 * text holds. The value itself is inside, so a Korean particle after it is
 * chosen by the value (ADMIN_TOKEN을), not by a placeholder name.
 */
const code = (value: string) => `\uE000${value}\uE001`;

/** A sentence as HTML: its text escaped, each marked value a <code>. */
function withCode(text: string): string {
  return text
    .split(/[\uE000\uE001]/)
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

const pages = new Map<Language, string>();

export function offPage(acceptLanguage: string | undefined): string {
  const lang = languageOf(acceptLanguage);
  const cached = pages.get(lang);
  if (cached) return cached;
  const c = loadCatalogue(lang);
  const t = (key: string, params: Record<string, string> = {}) => render(c, key, params);
  const page = `<!doctype html>
<html lang="${lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${escapeHtml(t('off.pageTitle'))}</title>
  <link rel="stylesheet" href="/console/static/console.css">
  <link rel="icon" href="/console/static/icon.svg" type="image/svg+xml">
</head>
<body class="login-page">
  <main class="login off">
    <h1>${escapeHtml(t('off.title'))}</h1>
    <section class="card off-card">
      <p>${escapeHtml(t('off.intro'))}</p>
      <ol>
        <li>${withCode(t('off.setToken', { setting: code('ADMIN_TOKEN'), file: code('.env'), command: code('openssl rand -base64 24') }))}</li>
        <li>${escapeHtml(t('off.restart'))}</li>
        <li>${escapeHtml(t('off.signIn'))}</li>
      </ol>
    </section>
  </main>
</body>
</html>
`;
  pages.set(lang, page);
  return page;
}
