// The `curation` command line.
import { processIO, type Command } from './io.js';
import { COMMANDS, usage, type CommandName } from './usage.js';

const commands: Record<CommandName, () => Promise<Command>> = {
  start: async () => (await import('./start.js')).startCommand,
  check: async () => (await import('./check.js')).checkCommand,
  preview: async () => (await import('./preview.js')).previewCommand,
  schema: async () => (await import('./schema.js')).schemaCommand,
  'fake-channeltalk': async () => (await import('./fake-channeltalk.js')).fakeChannelTalkCommand,
  setup: async () => (await import('./setup.js')).setupCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  replay: async () => (await import('./replay.js')).replayCommand,
  'send-webhook': async () => (await import('./send-webhook.js')).sendWebhookCommand,
  user: async () => (await import('./user.js')).userCommand,
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(commands, name);

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const io = processIO();
  if (name === undefined || !isCommand(name)) {
    const list = Object.values(COMMANDS).map((c) => `  curation ${c.usage}
      ${c.about}`);
    io.stderr(`usage: curation <command> [options]   (curation <command> --help: one command's usage)\n\ncommands:\n${list.join('\n')}`);
    return name === undefined || name === 'help' || name === '--help' || name === '-h' ? 0 : 2;
  }
  // Answered here, before the command loads, so every command has it and none acts on it.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${usage(name)}\n\n${COMMANDS[name].about}`);
    return 0;
  }
  try {
    return await (await commands[name]())(rest, io);
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
