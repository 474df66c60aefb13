// What a Korean operator would read in Latin letters on a page: every word of
// the text, the title, labels, placeholders and options, less the words a
// test names as allowed (the shop's own data, names, settings).
import type { Page } from 'playwright-core';

/** Latin-letter words any Korean page may show: "ID", "HTTP" and "CSV" (as Korean products write them), the language switch's "English", the settings and the command that hints name, the service's own name. */
export const ALWAYS_ALLOWED: readonly string[] = ['ID', 'HTTP', 'CSV', 'English', 'ADMIN_TOKEN', 'PUBLIC_WEBHOOK_URL', 'curation', 'setup', 'default', 'channeltalk-curation'];

/** Every Latin-letter word a person sees or a screen reader reads in `selector` (the whole page by default), except `allowed`. */
export async function latinWords(page: Page, allowed: readonly string[] = [], selector = 'body'): Promise<string[]> {
  const ok = new Set([...ALWAYS_ALLOWED, ...allowed]);
  const text = await page.evaluate((sel) => {
    const root = document.querySelector(sel);
    if (!root) return '';
    const parts = [sel === 'body' ? document.title : '', (root as HTMLElement).innerText];
    for (const el of Array.from(root.querySelectorAll('[aria-label],[placeholder],[title]'))) parts.push(el.getAttribute('aria-label') ?? '', el.getAttribute('placeholder') ?? '', el.getAttribute('title') ?? '');
    for (const o of Array.from(root.querySelectorAll('option'))) parts.push(o.textContent ?? '');
    return parts.join('\n');
  }, selector);
  return (text.match(/\b[A-Za-z_][\w.-]*\w/g) ?? []).filter((w) => !ok.has(w) && !w.split(/[.-]/).every((p) => ok.has(p)));
}
