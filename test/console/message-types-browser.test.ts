// Every message type as the customer sees it, in a real browser: the
// simulator runs examples/curations/delivery-booking.yaml (a form, nested
// bullets, a file, a link preview, a code block, a mention, link, WAM and
// command buttons, options) and the console draws each part.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { ADMIN_TOKEN, screenshotPath, startHarness, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

describe('every message type in the console', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    const dir = path.join(tempDir('curation-examples-'), 'curations');
    cpSync(path.join(ROOT, 'examples', 'curations'), dir, { recursive: true });
    h = await startHarness({ env: { CURATIONS_DIR: dir } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function simulate(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, baseURL: h.url });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto('/console/');
    await page.waitForURL(/\/console\/login$/);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.goto('/console/#/simulator/delivery-booking');
    await page.waitForSelector('form.sim-form');
    await page.selectOption('#sim-lang', 'en');
    await page.fill('[name="name"]', 'Kim');
    await page.fill('[name="deliveryDate"]', '2026-03-14');
    await page.fill('[name="floor"]', '12');
    await page.selectOption('[name="elevator"]', 'true');
    await page.locator('input[type=checkbox][name="items"]').first().check();
    await page.click('form.sim-form button[type=submit]');
    await page.waitForSelector('.sim-result .chat');
    return page;
  }

  test('a form, nested bullets, a file, a link preview, a mention, app buttons and options, as the customer sees them', async () => {
    const page = await simulate({ width: 1280, height: 900 });
    const chat = page.locator('.sim-result .chat');
    assert.match((await page.textContent('.sim-result .run-head')) ?? '', /sequence/);

    // The form: its four inputs, read-only, with the field's options.
    const inputs = chat.locator('.chat-form .form-input');
    assert.equal(await inputs.count(), 4);
    assert.deepEqual(await chat.locator('.chat-form .form-input > label').allTextContents(), ['Preferred date *', 'Floor', 'Is there a lift?', 'Items']);
    assert.equal(await chat.locator('.chat-form input[type=date][disabled]').count(), 1);
    assert.equal(await chat.locator('.chat-form input[type=number][disabled]').count(), 1);
    assert.deepEqual(await chat.locator('.chat-form .input-checkbox .check').allTextContents(), ['소파', '침대', '식탁']);
    assert.equal(await chat.locator('.chat-form input:not([disabled])').count(), 0, 'nothing in the form can be typed into');

    // Nested bullets: a list inside a list item.
    assert.deepEqual(await chat.locator('ul.bullets > li > ul.bullets > li').allTextContents(), ['Sofa: at least 90 cm', 'Bed: at least 100 cm']);

    // The file as a chip with its name and size; the link preview as a card linking to the page.
    assert.deepEqual(await chat.locator('.file-chip .file-name').allTextContents(), ['delivery-guide.pdf']);
    assert.equal(await chat.locator('.file-chip .file-size').textContent(), '470.8 KB');
    const card = chat.locator('a.web-page');
    assert.equal(await card.getAttribute('href'), 'https://shop.example/delivery/faq?lang=en');
    assert.equal(await card.locator('.web-title').textContent(), 'Delivery FAQ');
    assert.equal(await card.locator('.web-host').textContent(), 'shop.example');

    // The code block, the mention as @name, the buttons and the options.
    assert.match((await chat.locator('pre.code').textContent()) ?? '', /^DLV-\d{8}$/);
    assert.equal(await chat.locator('.mention').textContent(), '@Delivery team');
    assert.equal(await chat.locator('a.chat-button.action-web').getAttribute('href'), 'https://shop.example/delivery/track');
    assert.equal(await chat.locator('button.chat-button.action-wam').textContent(), 'Reschedule');
    assert.equal(await chat.locator('button.chat-button.action-command').textContent(), 'Dispatch');
    assert.equal(await chat.locator('.chat-options').textContent(), 'options: private, silent');
    await page.screenshot({ path: screenshotPath('console-every-message-type'), fullPage: true });
    await page.context().close();
  });

  test('on a phone-sized screen (390 px) it fits without sideways scrolling', async () => {
    const page = await simulate({ width: 390, height: 844 });
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'the simulator fits');
    await page.screenshot({ path: screenshotPath('console-phone-every-message-type'), fullPage: true });
    await page.context().close();
    assert.deepEqual(pageErrors, [], 'no script or CSP errors');
  });
});
