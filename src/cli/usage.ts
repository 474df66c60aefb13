// Each command's usage line and what it does, in one place: `curation`
// lists them, `curation <command> --help` prints one (cli/main.ts answers it
// before the command loads, so every command has it), and a command that is
// given wrong options prints the same line.
export const COMMANDS = {
  start: { usage: 'start', about: 'run the service (what `npm start` does); configured by the environment and .env (README: Configuration)' },
  check: { usage: 'check [--dir DIR]', about: 'validate every curation file and run its golden tests (tests:); non-zero exit on a problem or a failing case' },
  preview: {
    usage: 'preview <curation-id> --profile FILE [--lang ko|en] [--now ISO_TIME] [--json] [--dir DIR]',
    about:
      'what a customer with these answers would receive, without any server; FILE may be a whole webhook delivery, and then it also says whether that delivery starts the curation; --now: as if asked at that moment (ISO 8601 with its zone, e.g. 2026-12-08T16:00+09:00; default: now); --json: the computed values and the exact message bodies',
  },
  schema: { usage: 'schema [--out FILE]', about: 'print or write the JSON Schema of curation files' },
  'fake-channeltalk': {
    usage: 'fake-channeltalk [--port N] [--host H] [--access-key K --access-secret S] [--channel-id ID] [--webhook-token T]',
    about: 'run the fake Channel Talk for local trials',
  },
  setup: { usage: 'setup [--url URL] [--name NAME] [--dry-run] [--unblock] [--channel NAME]', about: 'register or update our webhook in Channel Talk' },
  doctor: { usage: 'doctor', about: 'check config, database, Channel Talk credentials, our webhook and the curations' },
  user: {
    usage: 'user add NAME --role admin|editor|viewer [--password-stdin] | user list | user disable NAME | user reset-password NAME [--password-stdin]',
    about:
      'console accounts in the database (DATABASE_URL): add one (the first admin, say), list them, disable one, or give one a new password; disabling or a new password ends its sessions. The password is asked at a prompt that does not echo, or read from stdin with --password-stdin (never an argument); at least 12 characters. Each change is in the audit log, by "cli"',
  },
  replay: { usage: 'replay FILE|DIR... --to URL [--token T] [--timeout-ms N]', about: 'post recorded deliveries again' },
  'send-webhook': {
    usage: 'send-webhook FILE... [--to URL] [--token T] [--fresh] [--chat-id ID] [--user-id ID]',
    about: 'post a webhook JSON file to the service; --fresh: as a new chat of a new customer, so it starts a new sequence',
  },
} as const satisfies Record<string, { usage: string; about: string }>;

export type CommandName = keyof typeof COMMANDS;

/** `usage: curation …`, the line a command prints with its errors and for --help. */
export function usage(name: CommandName): string {
  return `usage: curation ${COMMANDS[name].usage}`;
}
