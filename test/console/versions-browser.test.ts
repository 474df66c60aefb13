// Issue 19's "Done when", in a real browser (Debian's chromium through
// playwright-core) against the real service and the fake Channel Talk: open a
// curation kept in a file, change a message and see the preview change, break
// the YAML and see the error at its line, fix it, save the draft and find it
// again, see "what would change" for a real earlier run, start a run that is
// still between its two messages, publish (taking the curation over from its
// file), see another customer's run use version 2 while the earlier run
// sends its second message with the old text, compare two versions side by
// side, and roll back to see version 3 live with the old text. What the fake
// received is asserted, not only the page. Then a new curation from the
// template is published. Screenshots: test-output/screenshots/versions-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webhookIn } from '../support/fixtures.js';
import { ADMIN_TOKEN, screenshotPath, startHarness, until, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const OLD = 'Second message, old wording.';
const NEW = 'Second message, new wording.';
// With DELAY_SCALE=0.25 the second message comes 15 s after the first: time
// enough to publish while a run waits for it, on a slow machine too.
const DEMO = `id: versions-demo
title: Versions demo
defaultLanguage: en
trigger: { on: chatOpened, chatTags: [versions-demo] }
fields:
  name: { type: text, required: false, label: Name }
messages:
  - delay: 1s
    text: First message.
  - delay: 60s
    text: ${OLD}
`;
// A curation with a golden test that pins its message's text.
const GOLDEN = `id: golden-demo
defaultLanguage: en
trigger: { on: chatOpened, chatTags: [golden-demo] }
messages:
  - text: Welcome.
tests:
  - name: the welcome text
    profile: {}
    expect:
      messages: [Welcome.]
`;
const DELAY_LINE = DEMO.split('\n').findIndex((l) => l.includes('delay: 60s')) + 1;

/** The shipped chat-opened delivery for another customer, tagged so that only versions-demo starts. */
function customer(n: string): Record<string, unknown> {
  const delivery = webhookIn('user-chat-opened', { chatId: `versions-chat-${n}`, channelId: '95334', userId: `versions-user-${n}` });
  return { ...delivery, entity: { ...(delivery.entity as Record<string, unknown>), tags: ['versions-demo'] } };
}

describe('versions in the console, in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    h = await startHarness({ curations: { 'versions-demo.yaml': DEMO, 'golden-demo.yaml': GOLDEN }, env: { DELAY_SCALE: '0.25' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 }, baseURL: h.url });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // A refused publish (409) is an answer the page shows, not a page error.
      if (m.type() === 'error' && !/401|409|Unauthorized|Conflict/.test(m.text())) pageErrors.push(m.text());
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

  /** The texts the fake received in a chat, in order. */
  const received = (n: string) => h.fake.state.received({ chatId: `versions-chat-${n}` }).messages.map((m) => JSON.stringify(m.body));
  const runOf = async (n: string) =>
    until(async () => h.service.store.db.selectFrom('runs').select(['id', 'curation_version', 'state']).where('chat_id', '=', `versions-chat-${n}`).executeTakeFirst(), `the run of customer ${n}`);
  const bubbles = () => page.locator('.editor-preview .chat .bubble').allTextContents();
  const lineOf = (text: string) => page.locator('#editor .cm-line', { hasText: text });
  async function endOf(text: string): Promise<void> {
    await lineOf(text).click();
    await page.keyboard.press('End');
  }
  const valid = () => page.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('Valid'));

  test('edit, check, what would change, publish while a run is in flight, roll back', async () => {
    // A real earlier run, for "what would change".
    assert.equal((await h.postWebhook(customer('0'))).status, 200);
    await runOf('0');

    // Open the curation from the list.
    await page.goto('/console/#/curations');
    await page.locator('li.curation[data-id="versions-demo"] a.edit').click();
    await page.waitForURL(/#\/editor\/versions-demo$/);
    await page.waitForSelector('#editor .cm-content');
    await valid();
    await page.waitForFunction(() => document.querySelectorAll('.editor-preview .chat .bubble').length === 2);
    assert.deepEqual(await bubbles(), ['First message.', OLD]);
    assert.equal(await page.textContent('#live-version'), 'version 1 live');

    // Change a message: the preview follows.
    await endOf(OLD);
    for (let i = 0; i < 'old wording.'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('new wording.');
    await page.waitForFunction((t) => document.querySelectorAll('.editor-preview .chat .bubble')[1]?.textContent === t, NEW);
    await page.screenshot({ path: screenshotPath('versions-1-changed'), fullPage: true });

    // Break the YAML: the error at its line.
    await endOf('- delay: 60s');
    for (let i = 0; i < '60s'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('soon');
    await page.waitForSelector('.editor-problems .problem.error');
    assert.equal(await page.locator('.editor-problems .problem.error').first().getAttribute('data-line'), String(DELAY_LINE));
    assert.match((await page.locator('.editor-problems .check-line').first().textContent()) ?? '', new RegExp(`versions-demo\\.yaml:${DELAY_LINE} `));
    await page.screenshot({ path: screenshotPath('versions-2-error-at-line'), fullPage: true });
    // Fix it.
    for (let i = 0; i < 'soon'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('60s');
    await valid();
    assert.equal(await page.locator('.editor-problems .problem').count(), 0);

    // Save the draft; it comes back when the editor opens again, and nothing changed live.
    await page.click('#save-draft');
    await page.waitForFunction(() => /Draft saved/.test(document.querySelector('.draft-saved')?.textContent ?? ''));
    await page.reload();
    await page.waitForSelector('#editor .cm-content');
    await valid();
    assert.match((await page.textContent('#opened')) ?? '', /^A draft of version 1, saved at /);
    await page.waitForFunction((t) => document.querySelectorAll('.editor-preview .chat .bubble')[1]?.textContent === t, NEW);
    const live = (await page.evaluate(() => fetch('/console/api/curations/versions-demo/source').then((r) => r.json()))) as { source: string; version: number };
    assert.deepEqual([live.source, live.version], [DEMO, 1]);

    // What would change: the earlier customer would get the new second message.
    await page.click('#what-would-change');
    await page.waitForSelector('#impact .impact-count');
    assert.match((await page.textContent('#impact .impact-count')) ?? '', /^1 of 1 recent customer would get different messages \(\d+ ms\)$/);
    assert.equal(await page.locator('#impact .impact-example').count(), 1);
    const [before, afterSide] = await page.locator('#impact .impact-example .impact-side').allTextContents();
    assert.ok(before?.includes(OLD) && !before.includes(NEW), before);
    assert.ok(afterSide?.includes(NEW), afterSide);
    await page.screenshot({ path: screenshotPath('versions-3-what-would-change'), fullPage: true });

    // Customer A starts a run: its first message is sent, the second waits.
    assert.equal((await h.postWebhook(customer('a'))).status, 200);
    await until(() => Promise.resolve(received('a').length === 1), "customer A's first message");

    // Publish: the file keeps it, so the page asks for the take-over.
    await page.fill('#publish-note', 'new wording of the second message');
    await page.click('#publish');
    await page.waitForSelector('#take-over');
    assert.match((await page.textContent('.takeover')) ?? '', /kept in its file.*later changes of the file are kept as versions in the history but not made live/s);
    await page.screenshot({ path: screenshotPath('versions-4-take-over'), fullPage: true });
    await page.click('#take-over');
    await page.waitForSelector('#published');
    assert.match((await page.textContent('#published')) ?? '', /version 2 is live/);
    assert.equal(await page.textContent('#live-version'), 'version 2 live');
    assert.equal(received('a').length, 1, "customer A's run was still between its messages when version 2 went live");
    await page.screenshot({ path: screenshotPath('versions-5-published'), fullPage: true });

    // Customer B, after the publish: version 2. Customer A finishes with version 1's text.
    assert.equal((await h.postWebhook(customer('b'))).status, 200);
    const runB = await runOf('b');
    assert.equal(runB.curation_version, 'default/versions-demo@2');
    await until(() => Promise.resolve(received('a').length === 2), "customer A's second message", 40_000);
    await until(() => Promise.resolve(received('b').length === 2), "customer B's second message", 40_000);
    assert.ok(received('a')[1]?.includes(OLD) && !received('a')[1]?.includes(NEW), `A got the old text: ${received('a')[1]}`);
    assert.ok(received('b')[1]?.includes(NEW), `B got the new text: ${received('b')[1]}`);
    const runA = await runOf('a');
    assert.equal(runA.curation_version, 'default/versions-demo@1');

    // The run timeline shows the version, linked to its text in the history.
    await page.goto(`/console/#/runs/${runB.id}`);
    await page.waitForSelector('.timeline .run-version');
    assert.equal(await page.textContent('.timeline .run-version'), 'version 2');
    await page.goto(`/console/#/runs/${runA.id}`);
    await page.waitForFunction(() => document.querySelector('.timeline .run-version')?.textContent === 'version 1');
    await page.screenshot({ path: screenshotPath('versions-6-run-version'), fullPage: true });
    await page.click('.timeline .run-version');
    await page.waitForURL(/#\/history\/versions-demo\?version=1$/);
    await page.waitForSelector('#version-source[data-version="1"]');
    await page.waitForFunction((t) => document.querySelector('#version-source')?.shadowRoot?.textContent?.includes(t), OLD);

    // History: two versions, who and the note; a side-by-side diff of 1 and 2.
    assert.equal(await page.locator('table.versions tbody tr').count(), 2);
    const v2 = page.locator('table.versions tr[data-version="2"]');
    assert.equal(await v2.locator('.note').textContent(), 'new wording of the second message');
    assert.equal(await v2.locator('.origin').textContent(), 'console');
    assert.match((await page.locator('table.versions tr[data-version="1"] .origin').textContent()) ?? '', /^file /);
    await page.selectOption('#diff-a', '1');
    await page.selectOption('#diff-b', '2');
    await page.click('#show-diff');
    await page.waitForFunction(() => document.querySelector('#version-diff')?.shadowRoot?.querySelector('.cm-mergeView'));
    const sides = await page.evaluate(() => {
      const root = document.querySelector('#version-diff')?.shadowRoot;
      const editors = Array.from(root?.querySelectorAll('.cm-mergeView .cm-editor') ?? []);
      return { editors: editors.map((e) => e.textContent ?? ''), changed: root?.querySelectorAll('.cm-changedLine').length ?? 0 };
    });
    assert.equal(sides.editors.length, 2, 'two editors side by side');
    assert.ok(sides.editors[0]?.includes(OLD) && sides.editors[1]?.includes(NEW), JSON.stringify(sides.editors));
    assert.ok(sides.changed >= 2, `the changed line is marked on both sides (${sides.changed})`);
    await page.screenshot({ path: screenshotPath('versions-7-history-diff'), fullPage: true });

    // Roll back to version 1: confirmed, published again as version 3.
    page.once('dialog', (d) => void d.accept());
    await page.click('table.versions tr[data-version="1"] button.rollback');
    await page.waitForSelector('#rollback-done');
    assert.match((await page.textContent('#rollback-done')) ?? '', /version 3 is live, with the text of version 1/);
    assert.equal(await page.locator('table.versions tbody tr').count(), 3);
    assert.equal(await page.locator('table.versions tr[data-version="3"] .badge').textContent(), 'live');
    await page.screenshot({ path: screenshotPath('versions-8-rolled-back'), fullPage: true });
    const back = (await page.evaluate(() => fetch('/console/api/curations/versions-demo/source').then((r) => r.json()))) as { source: string; version: number };
    assert.deepEqual([back.source, back.version], [DEMO, 3]);
    // And a new customer gets the old text again.
    assert.equal((await h.postWebhook(customer('c'))).status, 200);
    assert.equal((await runOf('c')).curation_version, 'default/versions-demo@3');
    await until(() => Promise.resolve(received('c').length === 2), "customer C's second message", 40_000);
    assert.ok(received('c')[1]?.includes(OLD), `C got the old text: ${received('c')[1]}`);
  });

  test('a new curation from the template: its id checked, kept as a draft, created by Publish', async () => {
    await page.goto('/console/#/curations');
    await page.click('#new-curation');
    await page.waitForURL(/#\/new$/);
    await page.fill('#new-id', 'versions-demo');
    assert.match((await page.textContent('#new-id-problem')) ?? '', /exists already/);
    await page.fill('#new-id', 'spring sale');
    assert.match((await page.textContent('#new-id-problem')) ?? '', /letters, digits/);
    await page.fill('#new-id', 'spring-sale');
    assert.equal(await page.textContent('#new-id-problem'), '');
    await page.screenshot({ path: screenshotPath('versions-9-new'), fullPage: true });
    await page.click('#new-open');
    await page.waitForURL(/#\/editor\/spring-sale$/);
    await valid();
    assert.match((await page.textContent('#opened')) ?? '', /^A draft of a new curation/);
    assert.equal(await page.textContent('#live-version'), 'not published yet');
    await page.waitForFunction(() => document.querySelectorAll('.editor-preview .chat .bubble').length === 2);
    await page.fill('#publish-note', 'first version');
    await page.click('#publish');
    await page.waitForSelector('#published');
    assert.match((await page.textContent('#published')) ?? '', /version 1 is live/);
    const list = (await page.evaluate(() => fetch('/console/api/curations').then((r) => r.json()))) as { curations: Array<{ id: string }> };
    assert.ok(list.curations.some((c) => c.id === 'spring-sale'), 'the new curation is live');
  });

  test('a failing golden test blocks Publish until a reason is typed; the reason is in the history', async () => {
    await page.goto('/console/#/editor/golden-demo');
    await page.waitForSelector('#editor .cm-content');
    await valid();
    await endOf('- text: Welcome.');
    await page.keyboard.type(' Hi!');
    await page.waitForFunction(() => document.querySelector('.editor-preview .chat .bubble')?.textContent === 'Welcome. Hi!');
    await page.click('#publish');
    await page.click('#take-over');
    await page.waitForSelector('.golden-failures li');
    assert.equal(await page.locator('.golden-failures li').count(), 1);
    assert.equal(await page.locator('.golden-failures li').getAttribute('data-name'), 'the welcome text');
    assert.match((await page.textContent('.golden-failures .golden-diff')) ?? '', /Welcome\. Hi!/);
    // Worded from the catalogue (golden.*), in English as `curation check` prints it.
    assert.equal(await page.textContent('.golden > p'), '1 of 1 golden tests fail: fix them, or publish anyway with a reason');
    assert.equal(await page.textContent('.golden-failures .golden-diff'), 'message #1 differs at line 1, column 9:\n  expected:\n    Welcome.\n  actual:\n    Welcome. Hi!');
    assert.equal(await page.isDisabled('#publish-anyway'), true, 'no publish without a reason');
    await page.screenshot({ path: screenshotPath('versions-10-golden'), fullPage: true });
    const before = (await page.evaluate(() => fetch('/console/api/curations/golden-demo/versions').then((r) => r.json()))) as { liveVersion: number };
    assert.equal(before.liveVersion, 1, 'nothing published yet');
    await page.fill('#override-reason', 'the test is updated next');
    await page.click('#publish-anyway');
    await page.waitForSelector('#published');
    assert.match((await page.textContent('#published')) ?? '', /version 2 is live.*0 of 1 pass/);
    await page.click('#published a');
    await page.waitForSelector('table.versions tr[data-version="2"]');
    assert.equal(await page.locator('table.versions tr[data-version="2"] .override').textContent(), 'golden tests overridden: the test is updated next');
  });

  test('no request leaves the service, and nothing broke the CSP', () => {
    const origin = new URL(h.url).origin;
    const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });
});
