// The console in Korean: a browser that asks for ko-KR (Accept-Language and
// navigator.languages) sees the sign-in page, the shell and the overview in
// Korean with no English UI word, server errors included; the language switch
// is remembered on the account. Screenshots are kept as artefacts.
// A run's page, the simulator and the editor's preview show no Latin word
// but the shop's data: the reasons and problems the server writes come as
// catalogue words, under the curation's labels, and a problem of `curation
// check` is said in Korean at its line. The curations list's triggers are in
// Korean words; the history is checked for its labels.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { accountByName, createAccount } from '../../src/delivery/store/accounts.js';
import { webhookForChat, webhookIn } from '../support/fixtures.js';
import { latinWords as sharedLatinWords } from './latin-words.js';
import { screenshotPath, startHarness, until, type Harness } from './harness.js';
import { loadCatalogue } from '../../src/server/console/messages.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const ADMIN = { name: 'kim.minji', password: 'admin-password-kim' };
// Words that may show in Latin letters on these pages: the account's name, the
// settings and the command the hints name, the language switch's own
// "English", "ID" and "HTTP" (as Korean products write them), and the service's data
// (the channel, the webhook's name).
const ALLOWED = new Set(['ID', 'HTTP', 'kim', 'minji', 'ADMIN_TOKEN', 'PUBLIC_WEBHOOK_URL', 'curation', 'setup', 'English', 'default', 'channeltalk-curation']);

/** The Latin-letter words on the page (or in `within`) other than ALLOWED and the shop's data. */
const latinWords = (page: Page, data: string[] = [], within = 'body') => sharedLatinWords(page, [...ALLOWED, ...data], within);

interface CurationShape {
  id: string;
  title: string | null;
  fields: { name: string; key: string; unit: string | null; otherwise: string | null; options: { key: string; labels: string[] }[] }[];
  valueNames: string[];
  settings: Record<string, unknown>;
}

/** The shop's own words on a run's page or a preview: curation ids, profile keys, field names, units, options, value names, settings. */
async function shopWords(page: Page): Promise<string[]> {
  const curations = await page.evaluate(async () => ((await (await fetch('/console/api/curations')).json()) as { curations: CurationShape[] }).curations);
  return curations.flatMap((c) => [
    c.id,
    c.title ?? '',
    ...c.valueNames,
    ...Object.keys(c.settings ?? {}),
    ...c.fields.flatMap((f) => [f.name, f.key, f.unit ?? '', f.otherwise ?? '', ...f.options.flatMap((o) => [o.key, ...o.labels])]),
  ]).flatMap((w) => w.match(/\b[A-Za-z_][\w.-]*\w/g) ?? []);
}

// The chats the runs test starts: the editor offers their runs' answers by chat.
const RUN_CHAT = 'ko-e2e-chat';
const ASK_CHAT = 'ko-e2e-missing';

describe('the console in Korean', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness();
    const r = await createAccount(h.service.store.db, { name: ADMIN.name, role: 'admin', passwordHash: await hashPassword(ADMIN.password) }, { actorId: null, actor: 'cli', address: null }, Date.now());
    assert.ok(r.ok);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function koreanPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url, locale: 'ko-KR', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { context, page };
  }

  async function signIn(page: Page, password = ADMIN.password) {
    await page.goto('/console/login');
    await page.waitForSelector('html[lang=ko]');
    await page.fill('#name', ADMIN.name);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
  }

  test('sign-in page and its server error in Korean', async () => {
    const { context, page } = await koreanPage();
    await signIn(page, 'not-the-password');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await page.textContent('#login-error'), '아이디 또는 비밀번호가 올바르지 않습니다');
    assert.equal(await page.textContent('button[type=submit]'), '로그인');
    assert.equal(await page.title(), '로그인 · 큐레이션 콘솔');
    assert.deepEqual(await latinWords(page), []);
    await page.screenshot({ path: screenshotPath('console-ko-login'), fullPage: true });
    await context.close();
  });

  test('the shell and the overview in Korean, times in the channel zone; the switch is kept on the account', async () => {
    const { context, page } = await koreanPage();
    await signIn(page);
    await page.waitForURL(/\/console\/$/);
    await page.waitForSelector('section.queue');
    await page.waitForSelector('.sweep-card');
    assert.equal(await page.textContent('[data-tab=overview]'), '한눈에 보기');
    assert.equal(await page.textContent('h1'), '한눈에 보기');
    assert.deepEqual(await latinWords(page), []);
    // The browser runs in London; the chart's hours are the channel's (Asia/Seoul, no daylight saving: UTC+9).
    const offset = await page.evaluate(async () => {
      const i18n = (await import(String('/console/static/i18n.js'))) as { zoneOffsetMinutes: () => number };
      return i18n.zoneOffsetMinutes();
    });
    assert.equal(offset, -540);
    await page.screenshot({ path: screenshotPath('console-ko-overview'), fullPage: true });

    await page.selectOption('#language', 'en');
    await page.waitForSelector('html[lang=en] section.queue');
    assert.equal(await page.textContent('[data-tab=overview]'), 'Overview');
    assert.equal((await accountByName(h.service.store.db, ADMIN.name))?.language, 'en');
    await context.close();

    // Another Korean browser: the account's choice wins over Accept-Language.
    const other = await koreanPage();
    await signIn(other.page);
    await other.page.waitForSelector('html[lang=en] section.queue');
    assert.equal(await other.page.textContent('[data-tab=overview]'), 'Overview');
    await other.page.selectOption('#language', 'ko');
    await other.page.waitForSelector('html[lang=ko] section.queue');
    assert.equal((await accountByName(h.service.store.db, ADMIN.name))?.language, 'ko');
    await other.context.close();
    assert.deepEqual(pageErrors, []);
  });

  test('the runs list and a run in Korean', async () => {
    const chatId = RUN_CHAT;
    const res = await h.postWebhook(webhookForChat('user-chat-opened', chatId));
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId, 'the delivery started a run');
    await until(async () => (await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst())?.state === 'completed', 'the run to complete');
    const run = await h.service.store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();

    const { context, page } = await koreanPage();
    await signIn(page);
    await page.waitForURL(/\/console\/$/);
    const curations = await page.evaluate(async () => ((await (await fetch('/console/api/curations')).json()) as { curations: { id: string }[] }).curations.map((c) => c.id));
    await page.click('a[data-tab=runs]');
    await page.waitForSelector('.run-card');
    assert.equal(await page.textContent('h1'), '발송 기록');
    assert.equal(await page.textContent('.run-card .badge'), '완료');
    const words = await latinWords(page, [...curations, chatId, run.user_id ?? '']);
    assert.deepEqual(words, []);
    await page.screenshot({ path: screenshotPath('console-ko-runs'), fullPage: true });

    await page.click(`a[href="#/runs/${runId}"]`);
    await page.waitForSelector('.timeline');
    const timeline = (await page.textContent('.timeline')) ?? '';
    assert.match(timeline, /발송 시작: /);
    assert.match(timeline, /메시지 1 보냄/);
    assert.match(timeline, /종료: 완료/);
    assert.equal(await page.textContent('h1'), '발송');
    assert.match((await page.textContent('.chat-delay')) ?? '', / 후$/);
    const shop = [...(await shopWords(page)), runId, chatId, run.user_id ?? '', run.channel_id ?? ''];
    // The messages are the shop's own text (what the customer read): the page around them has no Latin word.
    assert.deepEqual(await latinWords(page, shop, 'main .run-summary'), []);
    assert.deepEqual(await latinWords(page, shop, 'main .timeline'), []);
    await page.screenshot({ path: screenshotPath('console-ko-run'), fullPage: true });

    // A customer whose weight is missing: the run asks in the chat, and its page says why under the field's label.
    // Another customer: the first one is in the curation's cooldown.
    const body = webhookIn('user-chat-opened', { chatId: ASK_CHAT, channelId: '95334', userId: 'ko-e2e-user-2' });
    const profile = (body.refers as { user: { profile: Record<string, unknown> } }).user.profile;
    delete profile.weight;
    const asked = await h.postWebhook(body);
    const askRun = (asked.json.runs as string[])[0];
    assert.ok(askRun, 'the delivery started a run');
    await until(async () => (await h.service.store.db.selectFrom('runs').select('reason').where('id', '=', askRun).executeTakeFirst())?.reason != null, 'the run to say why it asks');
    await page.goto(`/console/#/runs/${askRun}`);
    await page.waitForSelector('.timeline');
    const reason = (await page.textContent('.run-summary .run-reason')) ?? '';
    assert.match(reason, /체중 누락/, `the reason names the field by its label: ${reason}`);
    // The whole page this time: the customer's view of a message not sent yet says so in Korean too.
    assert.deepEqual(await latinWords(page, [...shop, ...Object.keys(profile), askRun, ASK_CHAT, 'ko-e2e-user-2', run.channel_id ?? '']), []);
    await page.screenshot({ path: screenshotPath('console-ko-run-missing'), fullPage: true });

    await page.click('a[data-tab=curations]');
    await page.waitForSelector('.curation-list .card');
    assert.equal(await page.textContent('h1'), '큐레이션');
    assert.equal(await page.textContent('#reload'), '파일에서 다시 불러오기');
    // Each trigger in Korean words: only its ids, keywords and tags (the shop's own) in Latin letters.
    const triggerData = await page.evaluate(async () => {
      type T = { supportBots: string[]; workflows: { id: string; sections: string[] }[]; chatTags: string[]; keywords: string[]; tags: string[] };
      const { curations: list } = (await (await fetch('/console/api/curations')).json()) as { curations: { trigger: T }[] };
      return list.flatMap(({ trigger: t }) => [...t.supportBots, ...t.workflows.flatMap((w) => [w.id, ...w.sections]), ...t.chatTags, ...t.keywords, ...t.tags]);
    });
    const triggers = await page.$$eval('.curation .trigger', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(triggers.some((line) => line.startsWith('고객이 메시지를 보낼 때')), triggers.join('\n'));
    const dataWords = new Set(triggerData.flatMap((d) => d.match(/[A-Za-z_][\w.-]*\w/g) ?? []));
    assert.deepEqual(triggers.flatMap((line) => (line.match(/\b[A-Za-z_][\w.-]*\w/g) ?? []).filter((w) => !dataWords.has(w))), []);
    await page.screenshot({ path: screenshotPath('console-ko-curations'), fullPage: true });

    await page.goto('/console/static/admin.html');
    await page.waitForSelector('#accounts tbody tr');
    assert.equal(await page.textContent('#accounts-card h2'), '계정');
    assert.equal(await page.textContent('#audit-card h2'), '감사 로그');
    // The accounts card: labels and states in Korean; the audit table's action codes and details are the log's data.
    const accountsText = await page.evaluate(() => document.getElementById('accounts-card')?.innerText ?? '');
    assert.deepEqual((accountsText.match(/\b[A-Za-z_][\w.-]*\w/g) ?? []).filter((w) => !['kim.minji'].includes(w)), []);
    // A new password that breaks the rule: the server's refusal in Korean (password.*), and nothing changes.
    page.once('dialog', (d) => void d.accept('short'));
    await page.click('#accounts tbody tr:first-child td:last-child button:first-child');
    await page.waitForSelector('#admin-error:not([hidden])');
    assert.equal(await page.textContent('#admin-error'), '비밀번호는 12자 이상이어야 합니다');
    await page.screenshot({ path: screenshotPath('console-ko-admin'), fullPage: true });
    await context.close();
    assert.deepEqual(pageErrors, []);
  });

  test("the simulator, the editor's preview and the history in Korean, and a curation check problem at its line", async () => {
    const { context, page } = await koreanPage();
    await signIn(page);
    await page.waitForURL(/\/console\/$/);
    await page.goto('/console/#/simulator/diet-main');
    await page.waitForSelector('.sim-form');
    assert.equal(await page.textContent('h1'), '미리 보기');
    assert.equal(await page.textContent('.sim-form button[type=submit]'), '메시지 보기');
    const shop = await shopWords(page);
    // No answers at all: the customer has not consented; the reason and the problems name the fields by their labels.
    await page.click('.sim-form button[type=submit]');
    await page.waitForSelector('.sim-result .run-head');
    const said = (await page.textContent('.sim-result')) ?? '';
    assert.match(said, /답변 활용 동의/, `the consent field by its label: ${said}`);
    assert.deepEqual(await latinWords(page, shop), []);
    // Consent given, weight out of range: the field's error and the reason in Korean.
    await page.selectOption('[name="thirdPartyAgree"]', 'true');
    await page.fill('[name="weight"]', '500');
    await page.click('.sim-form button[type=submit]');
    await page.waitForSelector('.form-field[data-key="weight"] .field-error:not([hidden])');
    assert.match((await page.textContent('.form-field[data-key="weight"] .field-error')) ?? '', /체중 범위 밖/);
    assert.deepEqual(await latinWords(page, shop), []);
    await page.screenshot({ path: screenshotPath('console-ko-simulator'), fullPage: true });

    await page.goto('/console/#/editor/diet-main');
    await page.waitForFunction(() => document.querySelector('.editor-status')?.textContent?.startsWith('문제 없음'));
    assert.equal(await page.textContent('h1'), 'diet-main 편집');
    assert.equal(await page.textContent('#publish'), '게시');
    await page.waitForSelector('.editor-preview .sim-result .run-head');
    assert.deepEqual(await latinWords(page, [...shop, RUN_CHAT, ASK_CHAT], '.editor-preview'), []);
    await page.screenshot({ path: screenshotPath('console-ko-editor'), fullPage: true });

    // A key mistyped as it is typed: the problem is said in Korean at its line.
    const source = (await page.evaluate(() => fetch('/console/api/curations/diet-main/source').then((r) => r.json()))) as { source: string };
    const line = source.source.split('\n').findIndex((l) => l.startsWith('title: ')) + 1;
    await page.locator('#editor .cm-line', { hasText: /^title: / }).click();
    await page.keyboard.press('Home');
    await page.keyboard.type('x');
    const problem = page.locator('.editor-problems .problem.error');
    await problem.waitFor();
    assert.equal(await problem.getAttribute('data-line'), String(line));
    assert.equal(await problem.locator('.check-line').textContent(), "xtitle: 알 수 없는 키 'xtitle'입니다.");
    assert.equal(await problem.locator('button.goto').textContent(), `${line}번째 줄`);
    await page.screenshot({ path: screenshotPath('console-ko-editor-problem'), fullPage: true });

    // The completion's help for a key is in Korean: on a new top-level line, `timez` offers timezone with the schema's description in the catalogue's words.
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.type('timez');
    const info = page.locator('#editor .cm-tooltip-autocomplete .cm-completionInfo');
    await info.waitFor();
    assert.deepEqual(await page.locator('#editor .cm-tooltip-autocomplete .cm-completionLabel').allTextContents(), ['timezone']);
    assert.equal(await info.textContent(), loadCatalogue('ko')['schema.timezone']);
    assert.match((await info.textContent()) ?? '', /시간대/);
    await page.screenshot({ path: screenshotPath('console-ko-editor-completion'), fullPage: true });
    await page.keyboard.press('Escape');

    await page.goto('/console/#/history/diet-main');
    await page.waitForSelector('table.versions tbody tr');
    assert.equal(await page.textContent('h1'), 'diet-main 변경 이력');
    assert.equal(await page.textContent('#show-diff'), '비교하기');
    await page.screenshot({ path: screenshotPath('console-ko-history'), fullPage: true });
    await context.close();
    assert.deepEqual(pageErrors, []);
  });
});
