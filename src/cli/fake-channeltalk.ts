// `curation fake-channeltalk`: runs the stand-in Channel Talk for local trials.
import { parseArgs } from 'node:util';
import { DEFAULT_FAKE_CHANNEL_ID, startFakeChannelTalk } from '../fake-channeltalk/server.js';
import type { CliIO, Command } from './io.js';
import { usage } from './usage.js';

const USAGE = usage('fake-channeltalk');

// A test double: fixed development credentials are fine when nothing else is given.
const DEV_KEY = 'fake-key';
const DEV_SECRET = 'fake-secret';

export const fakeChannelTalkCommand: Command = (argv, io) => runFakeChannelTalk(argv, io, untilSignal());

/** The command with its stop condition injectable, so tests can run it in-process. */
export async function runFakeChannelTalk(argv: string[], io: CliIO, stop: Promise<unknown>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        'access-key': { type: 'string' },
        'access-secret': { type: 'string' },
        'channel-id': { type: 'string', default: DEFAULT_FAKE_CHANNEL_ID },
        'webhook-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`--port must be an integer from 0 to 65535\n${USAGE}`);
    return 2;
  }
  const accessKey = values['access-key'] ?? io.env.CHANNELTALK_ACCESS_KEY ?? DEV_KEY;
  const accessSecret = values['access-secret'] ?? io.env.CHANNELTALK_ACCESS_SECRET ?? DEV_SECRET;
  const devCredentials = accessKey === DEV_KEY && accessSecret === DEV_SECRET;

  const webhookToken = values['webhook-token'];
  const fake = await startFakeChannelTalk({ port, host: values.host, accessKey, accessSecret, channelId: values['channel-id'], ...(webhookToken ? { webhookToken } : {}) });
  // Never print the secret; the dev pair is no secret, so say which one is in use.
  const creds = devCredentials ? `key ${DEV_KEY} / secret ${DEV_SECRET}` : 'key pair from flags/environment';
  // The webhook token is a trial's own (the service is given it too): no secret either.
  const hooks = webhookToken ? `; webhooks created get the token ${webhookToken}` : '';
  io.stdout(`fake Channel Talk listening on ${fake.url} (channel ${values['channel-id']}, ${creds}${hooks}; control API at ${fake.url}/_fake)`);
  try {
    await stop;
  } finally {
    await fake.close();
  }
  return 0;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
