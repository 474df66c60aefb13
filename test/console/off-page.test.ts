// Issue 20 item 4: the "console off" page (no ADMIN_TOKEN) is styled with
// console.css, with no inline script or style (the CSP allows neither), and
// says how to turn the console on in the language Accept-Language asks for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { screenshotPath, startHarness, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

describe('the console-off page', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ adminToken: undefined });
  });
  after(() => h?.close());

  const offPage = async (acceptLanguage: string | null) => {
    const res = await fetch(`${h.url}/console`, { headers: acceptLanguage === null ? {} : { 'accept-language': acceptLanguage } });
    return { status: res.status, vary: res.headers.get('vary') ?? '', text: await res.text() };
  };

  test('the language follows Accept-Language, English when it names neither', async () => {
    const ko = await offPage('ko-KR,ko;q=0.9,en-US;q=0.8');
    assert.equal(ko.status, 503);
    assert.match(ko.text, /<html lang="ko">/);
    assert.match(ko.text, /콘솔이 꺼져 있습니다/);
    // The particle is the one the value takes (ADMIN_TOKEN 토큰을), not the placeholder's.
    assert.match(ko.text, /<code>ADMIN_TOKEN<\/code>을 설정해 주세요/);
    assert.match(ko.vary, /accept-language/i);
    for (const [header, lang] of [['en-US,en;q=0.9', 'en'], ['fr-FR, ko;q=0.5', 'ko'], ['ko;q=0.4, en;q=0.8', 'en'], ['fr', 'en'], [null, 'en'], ['*', 'en']] as const) {
      const page = await offPage(header);
      assert.match(page.text, new RegExp(`<html lang="${lang}">`), `Accept-Language: ${header}`);
    }
    assert.match((await offPage('en')).text, /The operator console is off/);
  });

  test('styled from console.css, with no inline script or style', async () => {
    const { text } = await offPage('ko');
    assert.match(text, /<link rel="stylesheet" href="\/console\/static\/console\.css">/);
    assert.doesNotMatch(text, /<script|<style|\sstyle=|\son\w+=/i);
    const css = await fetch(`${h.url}/console/static/console.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    // Only what the off page needs: the console's other files stay off.
    assert.equal((await fetch(`${h.url}/console/static/app.js`)).status, 404);
  });

  describe('in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    });
    after(() => browser?.close());

    for (const [locale, lang, heading] of [['ko-KR', 'ko', '운영 콘솔이 꺼져 있습니다'], ['en-US', 'en', 'The operator console is off']] as const) {
      test(`in ${locale}: translated and styled under the CSP`, async () => {
        const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, locale });
        const page = await context.newPage();
        const problems: string[] = [];
        // The page itself answers 503 (the console is off); anything it loads must not fail, and nothing may be refused.
        page.on('console', (m) => {
          if (m.type() === 'error' && !m.text().includes('503 (Service Unavailable)')) problems.push(m.text());
        });
        page.on('response', (r) => {
          if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`${r.status()} ${r.url()}`);
        });
        page.on('requestfailed', (r) => problems.push(`failed ${r.url()}`));
        await page.goto(`${h.url}/console`);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal((await page.textContent('h1'))?.trim(), heading);
        // console.css applied: the card's background and the page's grid are its.
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).display), 'grid');
        assert.notEqual(await page.evaluate(() => getComputedStyle(document.querySelector('.card')!).backgroundColor), 'rgba(0, 0, 0, 0)');
        assert.deepEqual(problems, [], 'no CSP refusal or missing file');
        await page.screenshot({ path: screenshotPath(`console-off-${lang}`), fullPage: true });
        await context.close();
      });
    }
  });
});
