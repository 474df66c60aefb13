// Issue 20 item 4, in a Korean browser: the runs list names the customer
// (masked for a viewer), links each run to its chat in Channel Talk's desk
// (a new tab, rel=noopener), and searches by the customer's name and the
// channel's day. Screenshots are kept as artefacts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { webhookForChat } from '../support/fixtures.js';
import { screenshotPath, startHarness, until, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const CHAT = 'ko-customer-chat';
const DESK = `https://desk.channel.io/#/channels/95334/user_chats/${CHAT}`;
const PEOPLE = { editor: { name: 'lee.editor', password: 'editor-password-lee' }, viewer: { name: 'park.viewer', password: 'viewer-password-park' } };
const seoulDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

describe('runs by customer in a Korean browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness();
    for (const role of ['editor', 'viewer'] as const) {
      const p = PEOPLE[role];
      assert.ok((await createAccount(h.service.store.db, { name: p.name, role, passwordHash: await hashPassword(p.password) }, { actorId: null, actor: 'cli', address: null }, Date.now())).ok);
    }
    assert.equal((await h.postWebhook(webhookForChat('user-chat-opened', CHAT))).status, 200);
    await until(async () => (await h.service.store.db.selectFrom('runs').select('id').where('chat_id', '=', CHAT).executeTakeFirst())?.id, 'a run');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function runsAs(who: keyof typeof PEOPLE): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url, locale: 'ko-KR', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto('/console/login');
    await page.waitForSelector('html[lang=ko]');
    await page.fill('#name', PEOPLE[who].name);
    await page.fill('#password', PEOPLE[who].password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.click('a[data-tab=runs]');
    await page.waitForSelector('.run-card');
    return { page, close: () => context.close() };
  }

  test('an editor sees the name, opens the chat in the desk, and searches by name and day', async () => {
    const { page, close } = await runsAs('editor');
    assert.equal(await page.textContent('.run-card .run-customer'), '홍길동');
    const link = page.locator('.run-card a.desk-link');
    assert.equal(await link.textContent(), '채널톡에서 상담 열기');
    assert.equal(await link.getAttribute('href'), DESK);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match((await link.getAttribute('rel')) ?? '', /\bnoopener\b/);
    assert.equal(await page.textContent('label:has(input[name=name]) span'), '고객 이름');
    assert.equal(await page.textContent('label:has(input[name=date]) span'), '날짜');
    await page.screenshot({ path: screenshotPath('console-ko-runs-customer'), fullPage: true });

    await page.fill('input[name=name]', '홍길');
    await page.fill('input[name=date]', seoulDay(Date.now()));
    await page.click('form.search button[type=submit]');
    await page.waitForURL(/name=/);
    await page.waitForSelector('.run-card .run-customer');
    assert.equal(await page.locator('.run-card').count(), 1);

    await page.fill('input[name=name]', '김');
    await page.click('form.search button[type=submit]');
    await page.waitForSelector('.run-list .empty');
    assert.equal(await page.textContent('.run-list .empty'), '조건에 맞는 발송이 없습니다.');

    // The run's own page: the name and the desk link in its facts.
    await page.goto(`/console/#/runs?chatId=${CHAT}`);
    await page.click('.run-card a.run-link');
    await page.waitForSelector('.run-summary');
    assert.equal(await page.textContent('.run-summary dd.run-customer'), '홍길동');
    assert.equal(await page.getAttribute('.run-summary a.desk-link', 'href'), DESK);
    await close();
    assert.deepEqual(pageErrors, []);
  });

  test('a viewer sees the name masked and has no search by name', async () => {
    const { page, close } = await runsAs('viewer');
    assert.equal(await page.textContent('.run-card .run-customer'), '홍*동');
    assert.equal(await page.locator('input[name=name]').count(), 0);
    assert.ok(!((await page.textContent('body')) ?? '').includes('길동'));
    await page.screenshot({ path: screenshotPath('console-ko-runs-viewer'), fullPage: true });
    await close();
    assert.deepEqual(pageErrors, []);
  });
});
