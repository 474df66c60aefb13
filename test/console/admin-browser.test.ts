// The accounts in a real browser (Debian's chromium): an admin signs in by
// name and password, creates a viewer on the admin page and sees it in the
// audit log; the viewer signs in, has no admin link, and the admin page
// says the server refuses it. Screenshots are kept as artefacts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { screenshotPath, startHarness, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

describe('accounts in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness();
    const r = await createAccount(h.service.store.db, { name: 'kim.minji', role: 'admin', passwordHash: await hashPassword('admin-password-kim') }, { actorId: null, actor: 'cli', address: null }, Date.now());
    assert.ok(r.ok);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signedIn(name: string, password: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto('/console/login');
    await page.fill('#name', name);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    return { context, page };
  }

  test('an admin creates a viewer; the viewer cannot use the admin page', async () => {
    const { context, page } = await signedIn('kim.minji', 'admin-password-kim');
    await page.click('#admin-link');
    await page.waitForSelector('#accounts tbody tr');
    await page.fill('#new-name', 'part-timer');
    await page.selectOption('#new-role', 'viewer');
    await page.fill('#new-password', 'viewer-password-1');
    await page.click('#new-account button[type=submit]');
    await page.waitForSelector('#accounts tbody tr:has-text("part-timer")');
    await page.waitForSelector('#audit tbody tr:has-text("Account created")');
    assert.match((await page.textContent('#audit tbody')) ?? '', /Signed in[\s\S]*kim\.minji/);
    await page.screenshot({ path: screenshotPath('console-admin-accounts'), fullPage: true });
    await context.close();

    const viewer = await signedIn('part-timer', 'viewer-password-1');
    await viewer.page.waitForFunction(() => document.getElementById('admin-link') === null);
    await viewer.page.goto('/console/static/admin.html');
    await viewer.page.waitForSelector('#admin-error:not([hidden])');
    assert.match((await viewer.page.textContent('#admin-error')) ?? '', /for admins; you are signed in as viewer/);
    const status = await viewer.page.evaluate(async () => (await fetch('/console/api/accounts')).status);
    assert.equal(status, 403, 'the API refuses, not only the page');
    await viewer.page.screenshot({ path: screenshotPath('console-admin-refused-viewer'), fullPage: true });
    await viewer.context.close();
    assert.deepEqual(pageErrors, []);
  });
});
