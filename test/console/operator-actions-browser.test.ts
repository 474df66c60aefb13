// An editor's two operational buttons in a real browser (Debian's chromium):
// Switch off on a curation's card (a new chat then starts nothing; Switch on
// again), and Stop this run on a run that is still sending (its page then
// shows it cancelled, and nothing more reaches the fake). A viewer sees
// neither working: the server refuses. Screenshots are kept as artefacts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { webhookIn } from '../support/fixtures.js';
import { screenshotPath, startHarness, until, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);

describe('operator actions in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;

  before(async () => {
    // Real pacing: diet-main's sequence takes about 20 s, long enough to stop it after its first message.
    h = await startHarness({ env: { DELAY_SCALE: '1' } });
    for (const [name, role] of [['editor-park', 'editor'], ['viewer-choi', 'viewer']] as const) {
      assert.ok((await createAccount(h.service.store.db, { name, role, passwordHash: await hashPassword(`${name}-password`) }, { actorId: null, actor: 'cli', address: null }, Date.now())).ok);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signedIn(name: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto('/console/login');
    await page.fill('#name', name);
    await page.fill('#password', `${name}-password`);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    return { context, page };
  }
  const opened = (n: string) => webhookIn('user-chat-opened', { chatId: `ops-chat-${n}`, channelId: '95334', userId: `ops-user-${n}` });

  test('an editor switches a curation off and on again from its card', async () => {
    const { context, page } = await signedIn('editor-park');
    await page.goto('/console/#/curations');
    const card = page.locator('li.curation[data-id="diet-main"]');
    await card.locator('button.switch', { hasText: 'Switch off' }).click();
    await page.waitForSelector('li.curation[data-id="diet-main"] button.switch:has-text("Switch on")');
    await page.screenshot({ path: screenshotPath('console-curation-switched-off'), fullPage: true });
    assert.equal((await h.postWebhook(opened('off'))).json.status, 'no_match');
    await page.locator('li.curation[data-id="diet-main"] button.switch', { hasText: 'Switch on' }).click();
    await page.waitForSelector('li.curation[data-id="diet-main"] button.switch:has-text("Switch off")');
    assert.equal((await h.postWebhook(opened('on'))).json.status, 'acted', 'its run started in the webhook commit');
    await context.close();
  });

  test('an editor stops a run that is still sending; a viewer has no such button', async () => {
    assert.equal((await h.postWebhook(opened('stop'))).status, 200);
    const run = await until(async () => (await h.service.store.db.selectFrom('runs').select(['id', 'state']).where('chat_id', '=', 'ops-chat-stop').executeTakeFirst()) ?? undefined, 'the run');
    await until(() => Promise.resolve(h.fake.state.messages.some((m) => m.chatId === 'ops-chat-stop')), 'its first message');

    const viewer = await signedIn('viewer-choi');
    await viewer.page.goto(`/console/#/runs/${run.id}`);
    await viewer.page.waitForSelector('.run-summary');
    assert.equal(await viewer.page.locator('#stop-run').count(), 0, 'no Stop button for a viewer');
    await viewer.context.close();

    const { context, page } = await signedIn('editor-park');
    await page.goto(`/console/#/runs/${run.id}`);
    await page.click('#stop-run');
    await page.waitForSelector('.run-summary .badge:has-text("cancelled")');
    await page.screenshot({ path: screenshotPath('console-run-stopped'), fullPage: true });
    const atStop = h.fake.state.messages.filter((m) => m.chatId === 'ops-chat-stop').length;
    await new Promise((r) => setTimeout(r, 4_000));
    assert.ok(h.fake.state.messages.filter((m) => m.chatId === 'ops-chat-stop').length <= atStop + 1, 'nothing after a message already on its way');
    await context.close();
  });
});
