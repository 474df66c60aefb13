// The console in a real browser (Debian's chromium through playwright-core)
// against the real service: sign in, follow a webhook's run through its
// timeline, simulate a diet profile, and use it on a phone-sized screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webhookForChat } from '../support/fixtures.js';
import { ADMIN_TOKEN, screenshotPath, startHarness, until, type Harness } from './harness.js';
import { COPY_CURATION, copyDelivery, PHONE, WEIGHT } from './weight-copy.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// CI installs Debian's chromium (.ci/run); there, a missing browser is a failure, not a skip.
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);
const DIET = { weight: 72.5, height: 176, age: 34 };
// Harris-Benedict as the diet curation computes it (trunc).
const BMR = Math.trunc(66 + 13.7 * DIET.weight + 5 * DIET.height - 6.8 * DIET.age);

interface FieldSpec {
  name: string;
  key: string;
  type: string;
}

describe('console in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness({ curations: COPY_CURATION });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, baseURL: h.url });
    const page = await context.newPage();
    // A CSP violation or a script error is a bug even when the page looks right.
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) pageErrors.push(m.text());
    });
    return { context, page };
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto('/console/');
    await page.waitForURL(/\/console\/login$/);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.waitForSelector('text=Webhooks received', { state: 'attached' }).catch(() => undefined);
  }

  test('without a session the page sends to sign-in and every API answers 401; a wrong token is refused', async () => {
    const { context, page } = await newPage();
    for (const path of ['/console/api/overview', '/console/api/runs', '/console/api/curations', '/console/api/session']) {
      const res = await page.request.get(path);
      assert.equal(res.status(), 401, path);
    }
    const post = await page.request.post('/console/api/simulate', { data: { curationId: 'diet-main', profile: {} } });
    assert.equal(post.status(), 401);
    await page.goto('/console/#/runs');
    // A redirect keeps the fragment: /console/login#/runs.
    await page.waitForURL(/\/console\/login(#.*)?$/);
    await page.fill('#token', 'not-the-admin-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.match((await page.textContent('#login-error')) ?? '', /wrong admin token/);
    await page.screenshot({ path: screenshotPath('console-login-refused'), fullPage: true });
    await context.close();
  });

  test('a webhook run: found by chat id, its timeline, the messages as sent, and a logged reveal', async () => {
    const chatId = 'console-e2e-chat';
    const res = await h.postWebhook(webhookForChat('user-chat-opened', chatId));
    assert.equal(res.status, 200);
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId, 'the delivery started a run');
    await until(async () => (await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst())?.state === 'completed', 'the run to complete');

    const { context, page } = await newPage();
    await signIn(page);
    await page.waitForSelector('#runs-per-hour');
    assert.match((await page.textContent('main')) ?? '', /runs started/);
    await page.screenshot({ path: screenshotPath('console-overview'), fullPage: true });

    await page.click('a[data-tab=runs]');
    await page.fill('input[name=q]', chatId);
    await page.click('form[role=search] button[type=submit]');
    await page.click(`a[href="#/runs/${runId}"]`);
    await page.waitForSelector('.timeline');
    const timeline = (await page.textContent('.timeline')) ?? '';
    assert.match(timeline, /Webhook chat opened/);
    assert.match(timeline, /Run started: diet-main/);
    assert.match(timeline, /Message 1 sent/);
    assert.match(timeline, /HTTP 200/);
    assert.match(timeline, /Finished: completed/);
    const sent = (await h.service.store.db.selectFrom('messages').select('seq').where('run_id', '=', runId).execute()).length;
    assert.equal(await page.locator('.chat .bubble').count(), sent, 'every planned message is drawn');
    assert.ok((await page.locator('.chat .bubble strong').count()) > 0, 'bold text is drawn bold');
    const chatText = (await page.textContent('.chat')) ?? '';
    assert.match(chatText, new RegExp(String(BMR).replace(/(\d)(\d{3})$/, '$1,?$2')), 'the BMR as sent');
    assert.ok((await page.locator('.chat a.chat-button').count()) > 0, 'link buttons are drawn');

    // Answers stay masked until revealed, and the reveal is logged without them.
    const secrets = (await page.textContent('.secrets')) ?? '';
    assert.ok(!secrets.includes('72.5') && !secrets.includes('홍길동'), 'masked before the reveal');
    await page.screenshot({ path: screenshotPath('console-run-timeline'), fullPage: true });
    await page.click('button.reveal');
    await page.waitForSelector('.secrets:not(.masked)');
    assert.match((await page.textContent('.secrets')) ?? '', /72\.5/);
    const audit = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'console: profile revealed');
    assert.ok(audit, 'the reveal is logged');
    assert.equal(audit.runId, runId);
    assert.match(String(audit.operator), /^op_/);
    for (const line of h.logs) {
      assert.ok(!line.includes('홍길동') && !line.includes('72.5') && !line.includes(ADMIN_TOKEN), `no profile value or token in the logs: ${line.slice(0, 200)}`);
    }
    await context.close();
  });

  test('copies of the answers: the write-back and the user event are named, masked, and shown by the reveal', async () => {
    const res = await h.postWebhook(copyDelivery('console-copy-chat'));
    assert.equal(res.status, 200);
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId);
    await until(async () => (await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst())?.state === 'completed', 'the run to complete');
    const { context, page } = await newPage();
    await signIn(page);
    await page.goto(`/console/#/runs/${runId}`);
    await page.waitForSelector('.secrets');
    const masked = (await page.textContent('.secrets')) ?? '';
    assert.match(masked, /lastWeight written back/);
    assert.match(masked, /contact event weightRecorded/);
    assert.ok(!(await page.content()).includes(WEIGHT) && !(await page.content()).includes(PHONE), 'no copy on the page before the reveal');
    await page.click('button.reveal');
    await page.waitForSelector('.secrets:not(.masked)');
    assert.equal(await page.textContent('[data-key="write-back:lastWeight"]'), '72.5');
    assert.equal(await page.textContent('[data-key="event:contact"]'), PHONE);
    await context.close();
  });

  async function fillDietProfile(page: Page, weight: number): Promise<void> {
    const fields = (await (await page.request.get('/console/api/curations')).json()) as { curations: Array<{ id: string; fields: FieldSpec[] }> };
    const diet = fields.curations.find((c) => c.id === 'diet-main');
    assert.ok(diet, 'diet-main is loaded');
    const answers: Record<string, unknown> = { ...(webhookForChat('user-chat-opened', 'x').refers as { user: { profile: Record<string, unknown> } }).user.profile, ...DIET, weight };
    for (const f of diet.fields) {
      const sel = `[name="${f.key}"]`;
      const v = answers[f.key];
      if (f.type === 'number' || f.type === 'text') await page.fill(sel, typeof v === 'number' || typeof v === 'string' ? String(v) : '');
      else if (f.type === 'boolean') await page.selectOption(sel, 'true');
      else if (f.type === 'option') {
        const values = await page.locator(`${sel} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        // An answer the fixture lacks stays unanswered (an optional sex field must not pick the female formula).
        await page.selectOption(sel, v === undefined ? '' : typeof v === 'string' && values.includes(v) ? v : (values[1] ?? ''));
      } else if (f.type === 'list') await page.locator(`input[type=checkbox]${sel}`).first().check();
    }
  }

  test('simulator: the diet profile gives the right BMR; an out-of-range weight is shown at the field', async () => {
    const { context, page } = await newPage();
    await signIn(page);
    await page.goto('/console/#/simulator/diet-main');
    await page.waitForSelector('form.sim-form');
    await fillDietProfile(page, DIET.weight);
    await page.click('form.sim-form button[type=submit]');
    await page.waitForSelector('.sim-result .chat');
    assert.match((await page.textContent('.sim-result .run-head')) ?? '', /sequence/);
    assert.doesNotMatch((await page.textContent('.sim-result')) ?? '', /\bnull\b|undefined/, 'no placeholder text leaks into the result');
    const bold = await page.locator('.sim-result .chat strong').allTextContents();
    assert.ok(bold.some((t) => t.replace(/,/g, '').includes(String(BMR))), `BMR ${BMR} in bold in the chat (bold parts: ${bold.slice(0, 8).join(' | ')})`);
    assert.ok((await page.locator('.sim-result .chat-delay').count()) > 1, 'delays are shown');
    await page.screenshot({ path: screenshotPath('console-simulator'), fullPage: true });

    await page.fill('[name="weight"]', '500');
    await page.click('form.sim-form button[type=submit]');
    const error = page.locator('.form-field[data-key="weight"] .field-error');
    await error.waitFor({ state: 'visible' });
    assert.match((await error.textContent()) ?? '', /weight/i);
    assert.match((await page.textContent('.sim-result .run-head')) ?? '', /fallback|skipped/);
    await page.screenshot({ path: screenshotPath('console-simulator-field-error'), fullPage: true });
    await context.close();
  });

  test('curations: listed with triggers; a broken file is refused on reload and the old version stays', async () => {
    const file = join(h.curationsDir, 'diet-main.yaml');
    const good = await readFile(file, 'utf8');
    const { context, page } = await newPage();
    await signIn(page);
    await page.goto('/console/#/curations');
    await page.waitForSelector('li.curation[data-id="diet-main"]');
    assert.match((await page.textContent('li.curation[data-id="diet-main"] .trigger')) ?? '', /chatOpened/);
    try {
      await writeFile(file, `${good}\nthis is: [not valid\n`);
      await page.click('#reload');
      await page.waitForSelector('.error[role=alert]');
      assert.match((await page.textContent('.error[role=alert]')) ?? '', /previous version stays live/);
      assert.ok(await page.locator('li.curation[data-id="diet-main"]').count(), 'diet-main is still listed');
      await page.screenshot({ path: screenshotPath('console-curations-reload-refused'), fullPage: true });
    } finally {
      await writeFile(file, good);
    }
    await page.click('#reload');
    await page.waitForSelector('p.ok');
    assert.match((await page.textContent('p.ok')) ?? '', /diet-main/);
    await context.close();
  });

  test('phone-sized screen (390 px): overview, runs and simulator fit without sideways scrolling', async () => {
    const { context, page } = await newPage({ width: 390, height: 844 });
    await signIn(page);
    await page.waitForSelector('#runs-per-hour');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, 'overview fits');
    await page.screenshot({ path: screenshotPath('console-phone-overview'), fullPage: true });
    await page.goto('/console/#/simulator/diet-main');
    await page.waitForSelector('form.sim-form');
    await fillDietProfile(page, DIET.weight);
    await page.click('form.sim-form button[type=submit]');
    await page.waitForSelector('.sim-result .chat');
    assert.ok((await overflow()) <= 0, 'simulator fits');
    await page.screenshot({ path: screenshotPath('console-phone-simulator'), fullPage: true });
    await page.goto('/console/#/runs');
    await page.waitForSelector('.run-card');
    await page.click('.run-card a');
    await page.waitForSelector('.timeline');
    assert.ok((await overflow()) <= 0, 'run detail fits');
    await page.screenshot({ path: screenshotPath('console-phone-run'), fullPage: true });
    await context.close();
    assert.deepEqual(pageErrors, [], 'no script or CSP errors in any page');
  });
});
