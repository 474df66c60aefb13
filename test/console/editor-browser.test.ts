// The curation editor in a real browser (Debian's chromium through
// playwright-core), against the real service: open a curation from the list,
// change a message's text and see the live preview change, break the YAML and
// see the error at its line (gutter marker and the sentence `curation check`
// prints), fix it and see the error go. Every request stays on the service
// (no CDN), and the page runs under the console's CSP without a violation.
// Screenshots: test-output/screenshots/editor-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatLoadError, loadCurations } from '../../src/curation/index.js';
import { tempDir } from '../support/processes.js';
import { ADMIN_TOKEN, screenshotPath, startHarness, until, type Harness } from './harness.js';
import { COPY_CURATION, copyDelivery, WEIGHT } from './weight-copy.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const DEMO = `id: editor-demo
title: Editor demo
defaultLanguage: en
trigger: { on: chatOpened, chatTags: [editor-demo] }
fields:
  name: { type: text, required: false, label: Name }
compute:
  greeting: coalesce(name, 'there')
messages:
  - delay: 1s
    text: "Hello {{ greeting }}, welcome."
  - delay: 3s
    text: Here is your plan.
`;

/** What `curation check` says about this text, as `path: sentence` with its line. */
async function checkSays(text: string): Promise<Array<{ line: number | null; sentence: string }>> {
  const dir = path.join(tempDir('editor-browser-check-'), 'curations');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'editor-demo.yaml'), text);
  const loaded = await loadCurations(dir);
  if (loaded.ok) return [];
  return loaded.errors.map((e) => ({ line: e.line, sentence: formatLoadError({ ...e, file: 'F' }).replace(/^F(:\d+)? /, '') }));
}

describe('the curation editor in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    h = await startHarness({ curations: { 'editor-demo.yaml': DEMO, ...COPY_CURATION } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 }, baseURL: h.url });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto('/console/');
    await page.waitForURL(/\/console\/login$/);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  const bubbles = () => page.locator('.editor-preview .chat .bubble').allTextContents();
  const lineOf = (text: string) => page.locator('#editor .cm-line', { hasText: text });

  /** Puts the cursor at the end of the editor line holding `text`. */
  async function endOf(text: string): Promise<void> {
    await lineOf(text).click();
    await page.keyboard.press('End');
  }

  /** The line number the gutter shows beside the line holding `text`, and whether the lint gutter marks it as an error. */
  async function gutterAt(text: string): Promise<{ number: string; error: boolean }> {
    const box = await lineOf(text).boundingBox();
    assert.ok(box, `the line "${text}" is on screen`);
    const middle = box.y + box.height / 2;
    return page.evaluate((y) => {
      const root = document.querySelector('#editor')?.shadowRoot;
      const at = (sel: string) =>
        Array.from(root?.querySelectorAll(sel) ?? []).find((el) => {
          const r = el.getBoundingClientRect();
          return r.top <= y && y < r.bottom;
        });
      return {
        number: at('.cm-lineNumbers .cm-gutterElement')?.textContent ?? '',
        error: Boolean(at('.cm-gutter-lint .cm-gutterElement')?.querySelector('.cm-lint-marker-error')),
      };
    }, middle);
  }

  test('open, change a message, break the YAML, fix it', async () => {
    // Open: from the curations list, "Edit".
    await page.goto('/console/#/curations');
    await page.locator('li.curation[data-id="editor-demo"] a.edit').click();
    await page.waitForURL(/#\/editor\/editor-demo$/);
    await page.waitForSelector('#editor .cm-content');
    await page.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('Valid'));
    assert.equal(await page.locator('#editor .cm-line').count(), DEMO.split('\n').length, 'the whole file is in the editor');
    await page.waitForFunction(() => document.querySelectorAll('.editor-preview .chat .bubble').length === 2);
    assert.deepEqual(await bubbles(), ['Hello there, welcome.', 'Here is your plan.']);
    // Their delays, the computed values and the profile it was given.
    assert.deepEqual(await page.locator('.editor-preview .chat-delay').allTextContents(), ['after 1.0 s', '+ 3.0 s']);
    assert.equal(await page.locator('.editor-preview [data-value="greeting"]').textContent(), 'there');
    assert.equal(await page.locator('.editor-preview .profile-given').textContent().then((t) => /No answers given/.test(t ?? '')), true);
    // Answers typed into the form built from the draft's contract.
    await page.fill('.editor-answers [name="name"]', 'Kim');
    await page.waitForFunction(() => document.querySelector('.editor-preview .chat .bubble')?.textContent === 'Hello Kim, welcome.');
    assert.equal(await page.locator('.editor-preview .profile-given dd[data-key="name"]').textContent(), 'Kim');
    await page.screenshot({ path: screenshotPath('editor-1-open'), fullPage: true });

    // Change a message's text: the preview follows.
    await endOf('Here is your plan.');
    await page.keyboard.type(' Enjoy it!');
    await page.waitForFunction(() => document.querySelectorAll('.editor-preview .chat .bubble')[1]?.textContent === 'Here is your plan. Enjoy it!');
    assert.deepEqual(await bubbles(), ['Hello Kim, welcome.', 'Here is your plan. Enjoy it!']);
    await page.screenshot({ path: screenshotPath('editor-2-message-changed'), fullPage: true });

    // Break it: a delay that is not a duration.
    await endOf('- delay: 3s');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('soon');
    const broken = DEMO.replace('Here is your plan.', 'Here is your plan. Enjoy it!').replace('- delay: 3s', '- delay: soon');
    const expected = await checkSays(broken);
    assert.equal(expected.length, 1, JSON.stringify(expected));
    const [want] = expected;
    await page.waitForSelector('.editor-problems .problem.error');
    assert.equal(await page.locator('.editor-problems .problem').count(), 1);
    const item = page.locator('.editor-problems .problem.error');
    assert.equal(await item.getAttribute('data-line'), String(want?.line));
    const shown = (await item.locator('.check-line').textContent()) ?? '';
    assert.ok(shown.endsWith(`editor-demo.yaml:${want?.line} ${want?.sentence}`), `the list shows the check line: ${shown}`);
    assert.match((await page.textContent('.editor-status')) ?? '', /1 problem/);
    // The gutter marks the line, and that line is the one the check names.
    await page.waitForFunction(() => document.querySelector('#editor')?.shadowRoot?.querySelector('.cm-gutter-lint .cm-lint-marker-error'));
    assert.deepEqual(await gutterAt('- delay: soon'), { number: String(want?.line), error: true });
    assert.equal((await gutterAt('Here is your plan.')).error, false, 'only the broken line is marked');
    // The preview keeps the last valid draft meanwhile.
    assert.deepEqual(await bubbles(), ['Hello Kim, welcome.', 'Here is your plan. Enjoy it!']);
    await page.screenshot({ path: screenshotPath('editor-3-error-at-line'), fullPage: true });
    // The list's line button puts the cursor on that line.
    await lineOf('id: editor-demo').click();
    await item.locator('button.goto').click();
    assert.match((await page.locator('#editor .cm-activeLine').textContent()) ?? '', /- delay: soon/);
    await page.keyboard.press('End');

    // Fix it: the error goes, from the list and the gutter.
    for (let i = 0; i < 'soon'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('2s');
    await page.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('Valid'));
    assert.equal(await page.locator('.editor-problems .problem').count(), 0);
    await page.waitForFunction(() => !document.querySelector('#editor')?.shadowRoot?.querySelector('.cm-gutter-lint .cm-lint-marker-error'));
    await page.waitForFunction(() => document.querySelectorAll('.editor-preview .chat-delay')[1]?.textContent === '+ 2.0 s');
    await page.screenshot({ path: screenshotPath('editor-4-fixed'), fullPage: true });

    // Nothing was saved: the live curation is as it was.
    const live = (await page.evaluate(() => fetch('/console/api/curations/editor-demo/source').then((r) => r.json()))) as { source: string };
    assert.equal(live.source, DEMO);
  });

  test('completion offers the keys the schema allows and the names the draft declares', async () => {
    await endOf('greeting: coalesce');
    await page.keyboard.press('Enter');
    await page.keyboard.type('second: gre');
    await page.waitForSelector('#editor .cm-tooltip-autocomplete');
    const options = await page.locator('#editor .cm-tooltip-autocomplete .cm-completionLabel').allTextContents();
    assert.ok(options.includes('greeting'), `the computed value is offered: ${options.join(', ')}`);
    await page.keyboard.press('Escape');
    // A key where a message's keys go.
    await endOf('text: Here is your plan.');
    await page.keyboard.press('Enter');
    await page.keyboard.type('del');
    await page.waitForSelector('#editor .cm-tooltip-autocomplete');
    const keys = await page.locator('#editor .cm-tooltip-autocomplete .cm-completionLabel').allTextContents();
    assert.ok(keys.includes('delay'), `a message's keys are offered: ${keys.join(', ')}`);
    await page.screenshot({ path: screenshotPath('editor-5-completion'), fullPage: true });
    await page.keyboard.press('Escape');
  });

  test("a recent run's answers: masked until revealed, then shown beside the messages", async () => {
    const res = await h.postWebhook(copyDelivery('editor-browser-run'));
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId);
    await until(async () => {
      const r = await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
      return r?.state === 'completed';
    }, 'the run to complete');
    await page.goto('/console/#/editor/weight-copy');
    await page.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('Valid'));
    await page.selectOption('#answers-from', runId);
    await page.waitForSelector('.profile-given button.reveal');
    assert.equal(await page.locator('.profile-given dd[data-key="weight"]').textContent(), '••••••');
    assert.equal(await page.locator('.editor-preview dd[data-key="w2"]').textContent(), '••••••', 'a computed copy is masked too');
    assert.ok(!((await page.textContent('.editor-preview')) ?? '').includes(WEIGHT), 'no answer on the page before the reveal');
    await page.screenshot({ path: screenshotPath('editor-6-run-masked'), fullPage: true });
    await page.click('.profile-given button.reveal');
    await page.waitForFunction((w) => document.querySelector('.profile-given dd[data-key="weight"]')?.textContent === w, WEIGHT);
    assert.equal(await page.locator('.editor-preview dd[data-value="w2"]').textContent(), WEIGHT);
    const reveals = () => h.logs.filter((l) => l.includes('console: profile revealed') && l.includes(runId)).length;
    assert.equal(reveals(), 1, 'the reveal is logged, once');
    // Editing the draft previews the revealed answers again without another reveal.
    await endOf('- text: 체중을 기록해 두었어요.');
    await page.keyboard.type(' {{ w2 }}');
    await page.waitForFunction((w) => document.querySelector('.editor-preview .chat .bubble')?.textContent === `체중을 기록해 두었어요. ${w}`, WEIGHT);
    assert.equal(reveals(), 1);
  });

  test('"Asked at" is a time in the channel\'s zone (Asia/Seoul), not the browser\'s (New York here)', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 }, baseURL: h.url, timezoneId: 'America/New_York' });
    const ny = await context.newPage();
    ny.on('pageerror', (e) => pageErrors.push(e.message));
    await ny.goto('/console/login');
    await ny.fill('#token', ADMIN_TOKEN);
    await ny.click('button[type=submit]');
    await ny.waitForURL(/\/console\/$/);
    await ny.goto('/console/#/editor/editor-demo');
    await ny.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('Valid'));
    const asked = ny.waitForRequest((r) => r.url().endsWith('/curations/preview-source') && (r.postData() ?? '').includes('"now"'));
    // 09:30 in Seoul (UTC+9, no daylight saving) is 00:30 UTC; read in New York's zone it would be 13:30 UTC.
    await ny.fill('#preview-now', '2026-03-14T09:30:00');
    const body = JSON.parse((await asked).postData() ?? '{}') as { now?: string };
    assert.equal(body.now, '2026-03-14T00:30:00.000Z');
    await context.close();
  });

  test('no request leaves the service, and nothing broke the CSP', () => {
    const origin = new URL(h.url).origin;
    assert.ok(origin.startsWith('http://127.0.0.1:'), origin);
    const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(outside, [], 'every request goes to the service itself');
    assert.ok(requests.some((u) => u.endsWith('/console/static/codemirror.js')), 'the bundle came from the service');
    assert.deepEqual(pageErrors, []);
  });
});
