// Issue 20's "Done when", in Debian's chromium, once in Korean and once in
// English: an admin (made by the CLI's store call, as `curation user add`
// does) signs in and creates an editor and a viewer on the admin page; a
// customer's run holds answers; the viewer sees the run with its values
// masked, has no way to publish in the page, and the API refuses the viewer's
// publish and reveal with 403; the editor changes a message and publishes;
// the admin finds both accounts' creation and the editor's publish in the
// audit log. In Korean, every page walked shows no English word except the
// shop's own data and names. Screenshots: test-output/screenshots/operators-<lang>-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { loadCatalogue, render, type Language } from '../../src/server/console/messages.js';
import { latinWords } from './latin-words.js';
import { screenshotPath, startHarness, until, type Harness } from './harness.js';
import { COPY_CURATION, copyDelivery, PHONE, WEIGHT } from './weight-copy.js';
import { webhookForChat } from '../support/fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

const SOURCE = COPY_CURATION['weight-copy.yaml'];
const OLD_TEXT = '체중을 기록해 두었어요.';
const ADDED = ' 다음 주에 또 만나요.';
const LOCALES: Record<Language, string> = { ko: 'ko-KR', en: 'en-US' };
/** Latin-letter words any Korean page may show: "ID", "HTTP" and "CSV" as Korean products write them, the language switch's "English", the settings and the command the hints name, the service's own name. */
const KOREAN_PAGE_WORDS = ['ID', 'HTTP', 'CSV', 'English', 'ADMIN_TOKEN', 'PUBLIC_WEBHOOK_URL', 'curation', 'setup', 'default', 'channeltalk-curation'];

for (const lang of ['ko', 'en'] as const) {
  const words = loadCatalogue(lang);
  const say = (key: string, params: Record<string, string | number> = {}) => render(words, key, params);
  const admin = { name: `kim.admin.${lang}`, password: `admin-password-${lang}-1` };
  const editor = { name: `lee.editor.${lang}`, password: `editor-password-${lang}-1` };
  const viewer = { name: `park.viewer.${lang}`, password: `viewer-password-${lang}-1` };
  const names = [admin.name, editor.name, viewer.name];

  describe(`operators with roles, in ${lang}`, { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
    let h: Harness;
    let browser: Browser;
    let curationIds: string[] = [];
    const pageErrors: string[] = [];
    const shot = (page: Page, name: string) => page.screenshot({ path: screenshotPath(`operators-${lang}-${name}`), fullPage: true });
    /** In Korean, nothing in Latin letters but the shop's data: the accounts' names, the curation's id, the chat, the customer. */
    async function allKorean(page: Page, data: string[] = [], selector = 'body'): Promise<void> {
      if (lang !== 'ko') return;
      assert.deepEqual(await latinWords(page, [...KOREAN_PAGE_WORDS, ...names, ...curationIds, ...data], selector), [], `English words on ${page.url()}`);
    }

    before(async () => {
      h = await startHarness({ curations: COPY_CURATION });
      const r = await createAccount(h.service.store.db, { name: admin.name, role: 'admin', passwordHash: await hashPassword(admin.password) }, { actorId: null, actor: 'cli', address: null }, Date.now());
      assert.ok(r.ok);
      curationIds = (await h.service.store.db.selectFrom('curation_heads').select('curation_id').execute()).map((r) => r.curation_id);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    });
    after(async () => {
      await browser?.close();
      await h?.close();
    });

    async function signedIn(who: { name: string; password: string }) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url, locale: LOCALES[lang], timezoneId: 'Europe/London' });
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto('/console/login');
      await page.waitForSelector(`html[lang=${lang}]`);
      await allKorean(page);
      await page.fill('#name', who.name);
      await page.fill('#password', who.password);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/console\/$/);
      await page.waitForSelector('section.queue');
      return { context, page };
    }

    /** A POST as the page makes it (session cookie, CSRF token): its status and the error's catalogue key. */
    const pagePost = (page: Page, path: string, body: unknown) =>
      page.evaluate(
        async ({ path, body }) => {
          const csrf = ((await (await fetch('/console/api/session')).json()) as { csrf: string }).csrf;
          const res = await fetch(`/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
          return { status: res.status, code: ((await res.json()) as { code?: string }).code ?? null };
        },
        { path, body },
      );

    test('an admin creates an editor and a viewer; the viewer sees masked runs and cannot publish; the editor publishes; the admin sees it all in the audit log', async () => {
      // The admin creates both accounts on the admin page.
      const a = await signedIn(admin);
      await allKorean(a.page);
      await a.page.click('#admin-link');
      await a.page.waitForSelector('#accounts tbody tr');
      for (const [who, role] of [[editor, 'editor'], [viewer, 'viewer']] as const) {
        await a.page.fill('#new-name', who.name);
        await a.page.selectOption('#new-role', role);
        await a.page.fill('#new-password', who.password);
        await a.page.click('#new-account button[type=submit]');
        await a.page.waitForSelector(`#accounts tbody tr:has-text("${who.name}")`);
      }
      await allKorean(a.page, [], '#accounts-card');
      await shot(a.page, '1-admin-accounts');
      await a.context.close();

      // A customer's run that holds answers (the weight, copied into a computed value and a user event).
      const chatId = `operators-${lang}-chat`;
      const res = await h.postWebhook(copyDelivery(chatId));
      const runId = (res.json.runs as string[] | undefined)?.[0];
      assert.ok(runId, 'the delivery started a run');
      const run = await until(async () => {
        const r = await h.service.store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
        return r?.state === 'completed' ? r : undefined;
      }, 'the run to complete');

      // A sticker in the same chat: a delivery the service ignores, listed with its reason when the chat is searched.
      assert.equal((await h.postWebhook(webhookForChat('user-message-sticker', chatId, `operators-${lang}-sticker`))).status, 200);

      // The viewer: the run with its values masked, no reveal, no publish.
      const v = await signedIn(viewer);
      await v.page.goto(`/console/#/runs?chatId=${chatId}`);
      await v.page.waitForSelector('details summary');
      await v.page.click('details summary');
      await v.page.waitForSelector('.event-list .event-line');
      assert.match((await v.page.textContent('main')) ?? '', new RegExp(say('ignored.sticker')), 'the ignored delivery is listed with its reason in words');
      await allKorean(v.page, [chatId, run.user_id ?? '', 'not_found']);
      await shot(v.page, '2a-viewer-chat-search');
      await v.page.click('a[data-tab=runs]');
      await v.page.waitForSelector(`.run-card a[href="#/runs/${runId}"]`);
      // The other curations' runs of this delivery failed their write-back (the fake has no such user): Channel Talk's own error code shows as it answered.
      await allKorean(v.page, [chatId, run.user_id ?? '', 'not_found']);
      await v.page.click(`a[href="#/runs/${runId}"]`);
      await v.page.waitForSelector('.timeline');
      const runPage = (await v.page.textContent('main')) ?? '';
      for (const secret of [WEIGHT, PHONE, '821000000000']) assert.ok(!runPage.includes(secret), `the viewer's run page shows ${secret}`);
      assert.match(runPage, /w2/, 'the masked values are named');
      assert.equal(await v.page.locator('button.reveal').count(), 0, 'no reveal button for a viewer');
      // What the message said holds what was computed from the answers: the viewer sees that it went, not the text, in the page and in the API.
      assert.ok(!runPage.includes(OLD_TEXT), "the viewer's run page shows the message's text");
      assert.equal(await v.page.textContent('.messages-masked'), say('run.messagesMasked'));
      const apiDetail = await v.page.evaluate(async (id) => (await fetch(`/console/api/runs/${id}`)).text(), runId);
      for (const secret of [OLD_TEXT, WEIGHT, PHONE]) assert.ok(!apiDetail.includes(secret), `the viewer's run API holds ${secret}`);
      assert.equal(await v.page.textContent('.masked-for-viewer'), say('run.maskedForViewer'));
      // Shop data: the run's id, the profile's keys as the shop named them in Channel Talk (this curation gives them no labels), the computed values' names, Channel Talk's error code.
      const profileKeys = Object.keys(JSON.parse(run.profile_json ?? '{}') as Record<string, unknown>);
      await allKorean(v.page, [runId, chatId, run.user_id ?? '', 'not_found', ...profileKeys, 'w2', 'phone', 'lastWeight', 'weightRecorded', 'contact', 'source']);
      await shot(v.page, '2-viewer-run-masked');
      await v.page.click('a[data-tab=curations]');
      await v.page.waitForSelector('li.curation[data-id="weight-copy"]');
      assert.equal(await v.page.locator('li.curation[data-id="weight-copy"] a.edit').count(), 0, 'no edit link for a viewer');
      assert.equal(await v.page.locator('#new-curation').count(), 0, 'no new curation for a viewer');
      await shot(v.page, '3-viewer-curations');
      assert.equal(await v.page.evaluate(() => fetch('/console/api/curations/weight-copy/source').then((r) => r.status)), 403, 'a viewer cannot read the text either');
      const publish = await pagePost(v.page, '/curations/weight-copy/publish', { source: SOURCE.replace(OLD_TEXT, OLD_TEXT + ADDED), takeOver: true });
      assert.deepEqual(publish, { status: 403, code: 'error.needsRole' }, 'the API refuses a viewer\'s publish');
      assert.deepEqual(await pagePost(v.page, `/runs/${runId}/reveal`, {}), { status: 403, code: 'error.needsRole' }, 'and a viewer\'s reveal');
      await v.context.close();

      // The editor sees what the message said, and changes it and publishes (taking the curation over from its file).
      const e = await signedIn(editor);
      await e.page.goto(`/console/#/runs/${runId}`);
      await e.page.waitForSelector('.timeline');
      assert.ok(((await e.page.textContent('.chat')) ?? '').includes(OLD_TEXT), 'the editor sees the message as sent');
      assert.equal(await e.page.locator('.messages-masked').count(), 0);
      await e.page.click('a[data-tab=curations]');
      await e.page.locator('li.curation[data-id="weight-copy"] a.edit').click();
      await e.page.waitForSelector('#editor .cm-content');
      const valid = [say('editor.valid'), ...[1, 2, 3].map((count) => say('editor.validWarnings', { count }))];
      await e.page.waitForFunction((valid) => valid.includes(document.querySelector('.editor-status')?.textContent ?? ''), valid);
      await e.page.locator('#editor .cm-line', { hasText: OLD_TEXT }).click();
      await e.page.keyboard.press('End');
      await e.page.keyboard.type(ADDED);
      await e.page.locator('#editor .cm-line', { hasText: OLD_TEXT + ADDED }).waitFor();
      await e.page.waitForFunction((valid) => valid.includes(document.querySelector('.editor-status')?.textContent ?? ''), valid);
      await e.page.fill('#publish-note', lang === 'ko' ? '인사말 추가' : 'a goodbye added');
      await e.page.click('#publish');
      await e.page.click('#take-over');
      await e.page.waitForSelector('#published');
      assert.match((await e.page.textContent('#published')) ?? '', new RegExp(say('publish.published', { version: 2, golden: '' }).trim().slice(0, 8)));
      // The curation's own text is the shop's data: its words may show (in the editor and the preview's inputs).
      // The file's path and the chats offered as answers are the shop's data too.
      await allKorean(e.page, [...(SOURCE.match(/[A-Za-z_][\w.-]*/g) ?? []), ...(h.curationsDir.match(/[A-Za-z_][\w.-]*/g) ?? []), 'weight-copy.yaml', `operators-${lang}-chat`], 'main');
      await shot(e.page, '4-editor-published');
      await e.context.close();
      const head = await h.service.store.db.selectFrom('curation_heads').selectAll().where('curation_id', '=', 'weight-copy').executeTakeFirstOrThrow();
      assert.equal(head.live_version, 2);

      // The admin sees the accounts' creation and the editor's publish in the audit log.
      const a2 = await signedIn(admin);
      await a2.page.goto('/console/static/admin.html');
      await a2.page.waitForSelector('#audit tbody td[data-action="curation.published"]');
      const published = a2.page.locator('#audit tbody tr:has(td[data-action="curation.published"])');
      assert.equal(await published.count(), 1);
      assert.match((await published.textContent()) ?? '', new RegExp(`${editor.name.replace(/\./g, '\\.')}[\\s\\S]*weight-copy`));
      const created = await a2.page.locator('#audit tbody tr:has(td[data-action="account.created"])').allTextContents();
      // Three: the first admin by the command line, then the editor and the viewer by that admin.
      assert.equal(created.length, 3);
      for (const who of [editor, viewer]) assert.ok(created.some((r) => r.includes(who.name) && r.includes(admin.name)), `${who.name} created by ${admin.name}: ${created.join(' | ')}`);
      assert.match((await published.locator('td[data-action]').textContent()) ?? '', new RegExp(say('audit.action.curation.published')));
      await allKorean(a2.page, ['127.0.0.1'], '#audit-card');
      await shot(a2.page, '5-admin-audit');
      await a2.context.close();
      assert.deepEqual(pageErrors, []);
    });
  });
}
