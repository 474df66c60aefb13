// The `curation` command line.
import { processIO, type Command } from './io.js';

const commands: Record<string, { load: () => Promise<Command>; help: string }> = {
  start: { load: async () => (await import('./start.js')).startCommand, help: 'run the service (what `npm start` does)' },
  check: { load: async () => (await import('./check.js')).checkCommand, help: 'validate every curation file; non-zero exit on error' },
  preview: { load: async () => (await import('./preview.js')).previewCommand, help: 'preview <curation-id> --profile FILE [--lang ko|en] [--json]' },
  schema: { load: async () => (await import('./schema.js')).schemaCommand, help: 'print or write the JSON Schema of curation files' },
  'fake-channeltalk': { load: async () => (await import('./fake-channeltalk.js')).fakeChannelTalkCommand, help: 'run the fake Channel Talk: --port N' },
  setup: {
    load: async () => (await import('./setup.js')).setupCommand,
    help: 'setup --url URL [--name N] [--dry-run] [--unblock] [--channel C]: register or update our webhook in Channel Talk',
  },
  doctor: { load: async () => (await import('./doctor.js')).doctorCommand, help: 'check config, database, Channel Talk credentials and curations' },
  replay: { load: async () => (await import('./replay.js')).replayCommand, help: 'replay FILE|DIR... --to URL [--token T]: post recorded deliveries again' },
  'send-webhook': { load: async () => (await import('./send-webhook.js')).sendWebhookCommand, help: 'post a webhook JSON file to the service' },
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const io = processIO();
  const entry = name ? commands[name] : undefined;
  if (!entry) {
    io.stderr(`usage: curation <command> [options]\n\ncommands:\n${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(18)} ${c.help}`).join('\n')}`);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (err) {
    io.stderr(`curation ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // A stopped service has closed everything it opened; should a library keep a
    // handle alive, do not hang the supervisor's restart on it.
    if (process.argv[2] === 'start') setTimeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
