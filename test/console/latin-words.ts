// What a Korean operator would read in Latin letters on a page: every word of
// the text, the title, labels, placeholders and options, less the words a
// test names as allowed (the shop's own data, names, settings).
import type { Page } from 'playwright-core';

/** Every Latin-letter word a person sees or a screen reader reads in `selector` (the whole page by default), except `allowed`; a dotted word passes when each of its parts is allowed. */
export async function latinWords(page: Page, allowed: Iterable<string>, selector = 'body'): Promise<string[]> {
  const ok = new Set(allowed);
  const text = await page.evaluate((sel) => {
    const root = document.querySelector<HTMLElement>(sel);
    if (!root) throw new Error(`no ${sel} on the page`);
    const parts = [sel === 'body' ? document.title : '', root.innerText];
    for (const el of Array.from(root.querySelectorAll('[aria-label],[placeholder],[title]'))) parts.push(el.getAttribute('aria-label') ?? '', el.getAttribute('placeholder') ?? '', el.getAttribute('title') ?? '');
    for (const o of Array.from(root.querySelectorAll('option'))) parts.push(o.textContent ?? '');
    return parts.join('\n');
  }, selector);
  return (text.match(/\b[A-Za-z_][\w.-]*\w/g) ?? []).filter((w) => !ok.has(w) && !w.split('.').every((p) => ok.has(p)));
}
