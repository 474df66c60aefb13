// The webhook banner in a real browser (Debian's chromium through
// playwright-core) against the real service: red on every page while
// Channel Talk has blocked the webhook, with the fix; its Unblock button
// lifts the block, the banner goes, and the overview shows what the sweep
// after it recovered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { staticDir } from '../../src/server/console/static.js';
import { chromium, type Browser } from 'playwright-core';
import { control } from '../fake-channeltalk/helpers.js';
import { ADMIN_TOKEN, screenshotPath, startHarness, until, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}`);
const PUBLIC = 'https://curation.example/webhooks/channeltalk';

describe('webhook banner in a browser', { skip: HAVE_CHROMIUM ? false : `no chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  let webhookId: string;

  before(async () => {
    h = await startHarness({ env: { PUBLIC_WEBHOOK_URL: PUBLIC } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    webhookId = (await h.service.channels.channels[0]!.client.createWebhook({ name: 'channeltalk-curation', url: PUBLIC, scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' })).id;
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('blocked: a red banner with the fix on every page; Unblock lifts it and the overview shows the sweep that followed', async () => {
    await control(h.fake, 'POST', '/users', { users: [{ id: 'bru1', profile: { weight: 70 } }] });
    await control(h.fake, 'POST', `/webhooks/${webhookId}/block`);
    await control(h.fake, 'POST', '/user-chats', { channelId: '95334', userId: 'bru1', chatId: 'bannerlost1', tags: ['식단큐레이션받기'], source: { supportBot: { id: '43684' } } });
    await h.service.webhooks.checkHealth('default');

    const errors: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) errors.push(m.text());
    });
    await page.goto('/console/');
    await page.waitForURL(/\/console\/login$/);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);

    const banner = page.locator('#banner .banner-bad[data-channel="default"]');
    await banner.waitFor({ state: 'visible' });
    const text = (await banner.textContent()) ?? '';
    assert.match(text, /Webhook blocked — channel default/);
    assert.match(text, /no chat opened or message written reaches the service/);
    assert.match(text, /Fix: unblock it: run `curation setup --unblock`/);
    assert.equal(await banner.getAttribute('role'), 'alert');
    const bg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(201, 42, 42)', 'red');
    await page.screenshot({ path: screenshotPath('console-webhook-blocked'), fullPage: true });

    await page.goto('/console/#/curations');
    await page.waitForSelector('li.curation');
    assert.equal(await page.locator('#banner .banner-bad').count(), 1, 'on the other pages too');
    await page.goto('/console/#/runs');
    await page.waitForSelector('#banner .banner-bad');

    // The fake's kind switch: the API unblocks, as the OpenAPI document suggests (the strict case is the last test).
    await control(h.fake, 'POST', '/webhooks/config', { apiUnblock: true });
    await page.click('#banner .banner-unblock');
    await page.locator('#banner .banner-bad').waitFor({ state: 'detached' });
    assert.match((await page.textContent('#banner .banner-ok')) ?? '', /Webhook unblocked — channel default.*being swept/s);
    assert.equal((await h.service.channels.channels[0]!.client.getWebhook(webhookId)).blocked, false, 'unblocked in Channel Talk');
    await until(() => Promise.resolve(h.service.webhooks.sweeps.recent().find((s) => s.reason === 'unblocked')), 'the sweep after the unblock');

    await page.goto('/console/#/overview');
    const card = page.locator('section.sweep-card');
    await card.waitFor();
    const cardText = (await card.textContent()) ?? '';
    assert.match(cardText, /after the webhook was unblocked/);
    assert.match(cardText, /1 recovered/);
    assert.ok(await card.locator('a[href="#/runs?q=bannerlost1"]').count(), 'the recovered chat links to its runs');
    await page.screenshot({ path: screenshotPath('console-overview-sweep'), fullPage: true });
    // The recovered chat's run says where its event came from.
    const runId = h.service.webhooks.sweeps.recent()[0]?.recovered[0]?.runs[0];
    assert.ok(runId);
    await page.goto(`/console/#/runs/${runId}`);
    await page.waitForSelector('.timeline');
    assert.match((await page.textContent('.timeline')) ?? '', /Recovered by the sweep \(its delivery never came\): chat opened/);
    await context.close();
    assert.deepEqual(errors, [], 'no script or CSP errors');
  });

  test('phone-sized screen: the banner fits without sideways scrolling', async () => {
    await control(h.fake, 'POST', `/webhooks/${webhookId}/block`);
    await h.service.webhooks.checkHealth('default');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: h.url });
    const page = await context.newPage();
    await page.goto('/console/login');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.waitForSelector('#banner .banner-bad');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0);
    await page.screenshot({ path: screenshotPath('console-phone-webhook-blocked'), fullPage: true });
    await context.close();
  });

  test('the strict fake (as the record shows): Unblock is read back still blocked; the banner says so and shows the desk steps', async () => {
    await control(h.fake, 'POST', '/webhooks/config', { apiUnblock: false });
    await control(h.fake, 'POST', `/webhooks/${webhookId}/block`);
    await h.service.webhooks.checkHealth('default');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url });
    const page = await context.newPage();
    await page.goto('/console/login');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    const banner = page.locator('#banner .banner-bad[data-channel="default"]');
    await banner.waitFor({ state: 'visible' });
    await page.click('#banner .banner-unblock');
    await page.locator('#banner .banner-status', { hasText: 'Still blocked' }).waitFor();
    const still = (await banner.textContent()) ?? '';
    assert.match(still, /Still blocked: .*still blocked/);
    assert.match(still, new RegExp(`Fix: Channel Talk did not lift the block through the API\\. In the desk: Settings > Webhook, open webhook ${webhookId} \\(https://curation\\.example/webhooks/channeltalk\\) and unblock it there`));
    assert.equal(await page.locator('#banner .banner-ok').count(), 0, 'no success is claimed');
    assert.equal(await page.locator('#banner .banner-unblock').count(), 0, 'no button: only the desk can');
    assert.equal((await h.service.channels.channels[0]!.client.getWebhook(webhookId)).blocked, true);
    await page.screenshot({ path: screenshotPath('console-webhook-still-blocked'), fullPage: true });
    await context.close();
  });

  test('in Korean: the refusal and the desk steps from the catalogue, no English sentence', async () => {
    // Lifted in the desk, then blocked again: the board offers Unblock once more.
    await control(h.fake, 'POST', `/webhooks/${webhookId}/unblock`);
    await h.service.webhooks.checkHealth('default');
    await control(h.fake, 'POST', `/webhooks/${webhookId}/block`);
    await h.service.webhooks.checkHealth('default');
    // The id is random: its particle (을 or 를) is as josa.js reads it (tested in josa.test.ts).
    const { josa } = (await import(pathToFileURL(path.join(staticDir(), 'josa.js')).href)) as { josa: (word: string, particle: string) => string };
    const webhookIdParticle = josa(webhookId, '을');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: h.url, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto('/console/login');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/$/);
    await page.click('#banner .banner-unblock');
    await page.locator('#banner .banner-status', { hasText: '아직 차단되어 있습니다' }).waitFor();
    assert.equal(await page.textContent('#banner .banner-status'), `아직 차단되어 있습니다: 채널톡이 PATCH /webhooks/${webhookId} 요청에 응답했지만, 다시 읽어 보니 웹훅이 여전히 차단되어 있습니다`);
    assert.equal(
      await page.textContent('#banner .banner-fix'),
      `해결 방법: 채널톡이 API로는 차단을 풀어 주지 않았습니다. 데스크의 설정 > 웹훅에서 웹훅 ${webhookId}${webhookIdParticle} 열어(주소 ${PUBLIC}) 직접 차단을 해제해 주세요. 다음 상태 확인 때 서비스가 알아채고, 그사이 열린 상담을 확인합니다`,
    );
    await page.screenshot({ path: screenshotPath('console-ko-webhook-still-blocked'), fullPage: true });
    await context.close();
  });
});
