// What the sweep tests run against: the fake Channel Talk, which delivers
// `userChat.opened` to the real webhook app listening on a port (dropping a
// share on purpose), over a real SQLite store and the shipped curations.
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { ChannelRegistry, type LiveChannel } from '../../src/channel-registry.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { Intake } from '../../src/delivery/intake.js';
import { hasEvent } from '../../src/delivery/store/event-lookup.js';
import { Store } from '../../src/delivery/store/store.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { buildApp } from '../../src/server/app.js';
import type { SweepDeps } from '../../src/webhook/sweep.js';
import { control, KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';
import { ROOT, webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { planQueued } from '../support/plan-events.js';

export const CHANNEL_ID = '95334';
export const DIET_TAG = '식단큐레이션받기';
/** The diet curation's support bot: a chat from it with the tag starts diet-main. */
export const DIET_SOURCE = { supportBot: { id: '43684', revisionId: '1', sectionPath: ['A'] } };

export interface SweepWorld {
  fake: FakeChannelTalk;
  store: Store;
  app: FastifyInstance;
  appUrl: string;
  client: ChannelTalkClient;
  channel: LiveChannel;
  registry: ChannelRegistry;
  intake: Intake;
  webhookId: string;
  webhookToken: string;
  /** Deps for sweepOpenedChats as the service builds them; override per test. */
  deps(over?: Partial<SweepDeps>): SweepDeps;
  /** A customer with a diet profile (each chat its own customer: diet-main has a 24 h cooldown per customer). */
  addUsers(ids: string[]): Promise<void>;
  openChat(o: { chatId: string; userId: string; openedAt?: number; delivery?: 'auto' | 'drop' | 'none'; tags?: string[] }): Promise<void>;
  eventsOf(chatId: string): Promise<Array<{ kind: string; dedupe_key: string }>>;
  runsOf(chatId: string): Promise<Array<{ id: string; curation_id: string }>>;
  close(): Promise<void>;
}

export async function startSweepWorld(): Promise<SweepWorld> {
  const fake = await startTestFake();
  const logger = pino({ level: 'silent' });
  const store = await Store.open(`sqlite:${path.join(tempDir('curation-sweep-'), 'sweep.db')}`, { delayScale: 0 });
  const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET });
  // Registered first to learn the token Channel Talk makes; pointed at the app once it listens.
  const hook = await client.createWebhook({ name: 'channeltalk-curation', url: 'http://127.0.0.1:9/webhooks/channeltalk', scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' });
  const token = hook.token ?? '';
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: CHANNEL_ID, accessKey: KEY, accessSecret: SECRET, webhookTokens: [token], botName: 'Trainer', curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: fake.url, timeoutMs: 5000, logger },
  );
  if (!opened.ok) throw new Error(opened.errors.join('\n'));
  const channel = opened.registry.channels[0]!;
  const intake = new Intake({ store, logger });
  const app = await buildApp({ intake, store, logger, channels: opened.registry });
  const appUrl = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  await client.updateWebhook(hook.id, { name: hook.name, url: `${appUrl}/webhooks/channeltalk`, scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' });
  const profile = (webhook('user-chat-opened').refers as { user: { profile: Record<string, unknown> } }).user.profile;

  return {
    fake,
    store,
    app,
    appUrl,
    client,
    channel,
    registry: opened.registry,
    intake,
    webhookId: hook.id,
    webhookToken: token,
    deps: (over = {}) => ({
      client: channel.client,
      coveredUntil: null,
      hasEvent: (event) => hasEvent(store.db, event),
      accept: (event) => intake.accept(event, channel.curations),
      normalize,
      now: Date.now,
      pageLimit: 5,
      maxPages: 50,
      overlapMs: 120_000,
      maxAgeMs: 3_600_000,
      ...over,
    }),
    async addUsers(ids) {
      await control(fake, 'POST', '/users', { users: ids.map((id) => ({ id, name: 'Hong', profile, language: 'ko' })) });
    },
    async openChat(o) {
      await control(fake, 'POST', '/user-chats', {
        channelId: CHANNEL_ID,
        userId: o.userId,
        chatId: o.chatId,
        tags: o.tags ?? [DIET_TAG],
        source: DIET_SOURCE,
        ...(o.openedAt !== undefined ? { openedAt: o.openedAt } : {}),
        ...(o.delivery !== undefined ? { delivery: o.delivery } : {}),
      });
    },
    eventsOf: (chatId) => store.db.selectFrom('events').select(['kind', 'dedupe_key']).where('chat_id', '=', chatId).execute(),
    // The runs an event starts are its planEvent job's: run those first, as the service's job runner would.
    runsOf: async (chatId) => {
      await planQueued(store, opened.registry);
      return store.db.selectFrom('runs').select(['id', 'curation_id']).where('chat_id', '=', chatId).execute();
    },
    async close() {
      await app.close();
      await store.close();
      await fake.close();
    },
  };
}
