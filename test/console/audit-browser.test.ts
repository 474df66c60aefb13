// Issue 20 items 3 and 4: the admin page's audit log in the operator's words.
// Each action has its name in Korean and English (audit.action.*, checked
// against AUDIT_ACTIONS by the catalogue test), its details are a sentence
// (versions, reasons, role changes) rather than raw JSON, and the date filter
// takes days in the channel's zone (Asia/Seoul here), not the browser's
// (Europe/London). Screenshots are kept as artefacts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { appendAudit } from '../../src/delivery/store/audit-log.js';
import { screenshotPath, startHarness, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const ADMIN = { name: 'kim.minji', password: 'admin-password-kim' };
const REASON = '골든 문구는 다음 버전에서 고칩니다';
// 01:00 on 10 March in Seoul is still 9 March in London; 01:00 on 11 March in Seoul is 10 March in London.
const SEOUL_10_MARCH = Date.UTC(2026, 2, 9, 16);
const SEOUL_11_MARCH = Date.UTC(2026, 2, 10, 16);

describe('the audit log in the operator\'s words', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness();
    const by = { actorId: null, actor: 'cli', address: null };
    assert.ok((await createAccount(h.service.store.db, { name: ADMIN.name, role: 'admin', passwordHash: await hashPassword(ADMIN.password) }, by, Date.now())).ok);
    const db = h.service.store.db;
    const editor = { actorId: 'acc_1', actor: 'lee.editor', address: '127.0.0.1' };
    await appendAudit(db, { ...editor, action: 'curation.published', target: 'diet-main', details: { scope: 'default', version: 2, takeOver: true, goldenFailed: 1 } }, SEOUL_10_MARCH);
    await appendAudit(db, { ...editor, action: 'curation.tests_overridden', target: 'diet-main', details: { scope: 'default', version: 2, goldenFailed: 1, goldenTotal: 4, reason: REASON } }, SEOUL_10_MARCH + 1);
    await appendAudit(db, { ...editor, action: 'curation.rolled_back', target: 'diet-main', details: { scope: 'default', version: 3, from: 1 } }, SEOUL_11_MARCH);
    await appendAudit(db, { actorId: null, actor: ADMIN.name, action: 'account.role_changed', target: 'lee.editor', details: { accountId: 'acc_1', role: 'editor', from: 'viewer', sessionsEnded: 2 }, address: '127.0.0.1' }, SEOUL_11_MARCH + 1);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function adminPage(locale: string): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url, locale, timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto('/console/login');
    await page.waitForSelector(`html[lang=${locale.slice(0, 2)}]`);
    await page.fill('#name', ADMIN.name);
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.goto('/console/static/admin.html');
    await page.waitForSelector('#audit tbody tr');
    return { page, close: () => context.close() };
  }

  /** The audit table's rows as [action, details] for the rows of `target`. */
  const rows = (page: Page, target: string) =>
    page.$$eval(
      '#audit tbody tr',
      (trs, t) => trs.filter((tr) => tr.children[3]?.textContent === t).map((tr) => [tr.children[2]?.textContent ?? '', tr.children[4]?.textContent ?? '']),
      target,
    );

  test('in Korean: action names and details lines, no codes or JSON', async () => {
    const { page, close } = await adminPage('ko-KR');
    assert.deepEqual(await rows(page, 'diet-main'), [
      ['되돌리기', '버전 1의 내용으로 버전 3 게시'],
      ['골든 테스트 무시', `버전 2 · 골든 테스트 4개 중 1개 실패 · 사유: ${REASON}`],
      ['게시', '버전 2 · 파일 관리에서 콘솔 관리로 전환 · 골든 테스트 1개 실패'],
    ]);
    assert.deepEqual(await rows(page, 'lee.editor'), [['권한 변경', '뷰어 → 편집자 · 로그인 세션 2개 종료']]);
    const [signIn] = await rows(page, '');
    assert.equal(signIn?.[0], '로그인');
    // The action's code stays on the cell for a script (data-action), and in the CSV; not in a tooltip, which a screen reader would read out in English.
    assert.equal(await page.getAttribute('#audit tbody tr td[data-action="curation.rolled_back"]', 'title'), null);
    assert.equal(await page.locator('#audit tbody tr td[data-action="curation.rolled_back"]').count(), 1);
    const card = await page.evaluate(() => document.getElementById('audit-card')?.innerText ?? '');
    assert.doesNotMatch(card, /[{}]|curation\.|sign_in|account\./, 'no raw JSON or action code');
    await page.screenshot({ path: screenshotPath('console-ko-audit'), fullPage: true });

    // 10 March in the channel's zone: the publish and the override, not what London calls 10 March.
    await page.fill('#f-since', '2026-03-10');
    await page.fill('#f-until', '2026-03-10');
    await page.click('#audit-filter button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#audit tbody tr').length === 2);
    assert.deepEqual((await rows(page, 'diet-main')).map((r) => r[0]), ['골든 테스트 무시', '게시']);
    // The action filter lists the actions by name.
    await page.fill('#f-since', '');
    await page.fill('#f-until', '');
    await page.selectOption('#f-action', 'account.role_changed');
    assert.equal(await page.textContent('#f-action option:checked'), '권한 변경');
    await page.click('#audit-filter button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#audit tbody tr').length === 1);
    assert.deepEqual(await rows(page, 'lee.editor'), [['권한 변경', '뷰어 → 편집자 · 로그인 세션 2개 종료']]);
    await close();
    assert.deepEqual(pageErrors, []);
  });

  test('in English', async () => {
    const { page, close } = await adminPage('en-US');
    assert.deepEqual(await rows(page, 'diet-main'), [
      ['Rolled back', 'version 3, a copy of version 1'],
      ['Golden tests overridden', `version 2 · 1 of 4 golden tests failed · reason: ${REASON}`],
      ['Published', 'version 2 · taken over from its file into the console · 1 golden test failing'],
    ]);
    assert.deepEqual(await rows(page, 'lee.editor'), [['Role changed', 'viewer → editor · 2 sessions ended']]);
    await page.screenshot({ path: screenshotPath('console-en-audit'), fullPage: true });
    await close();
    assert.deepEqual(pageErrors, []);
  });
});
