// `curation user add|list|disable|reset-password`: operator accounts for the
// console, straight in the database (DATABASE_URL), e.g. the first admin.
// A password is typed at a prompt that does not echo, or read from stdin
// with --password-stdin; never from the command line, where `ps` and the
// shell history would keep it. Each change is in the audit log, by 'cli'.
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline/promises';
import { envWithDotenv, loadConfig } from '../config.js';
import { hashPassword, passwordProblem } from '../accounts/passwords.js';
import { ACCOUNT_NAME, NAME_RULE, ROLES, isRole } from '../accounts/roles.js';
import { changeAccount, createAccount, listAccounts, type Actor } from '../delivery/store/accounts.js';
import { Store } from '../delivery/store/store.js';
import type { CliIO, Command } from './io.js';
import { usage } from './usage.js';

/** Where a password comes from; tests give their own. */
export interface PasswordInput {
  isTTY: boolean;
  /** Everything on stdin (for --password-stdin). */
  readStdin(): Promise<string>;
  /** Asks without echoing what is typed. */
  prompt(question: string): Promise<string>;
}

const CLI_ACTOR: Actor = { actorId: null, actor: 'cli', address: null };

export function processPasswordInput(): PasswordInput {
  return {
    isTTY: process.stdin.isTTY === true,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async prompt(question) {
      process.stderr.write(question);
      // Nothing typed is echoed: readline writes to a sink.
      const mute = new Writable({ write: (_c, _e, done) => done() });
      const rl = createInterface({ input: process.stdin, output: mute, terminal: true });
      try {
        return await rl.question('');
      } finally {
        rl.close();
        process.stderr.write('\n');
      }
    },
  };
}

class Refused extends Error {}

async function passwordFrom(args: string[], input: PasswordInput): Promise<string> {
  let password: string;
  if (args.includes('--password-stdin')) password = (await input.readStdin()).replace(/\r?\n$/, '');
  else if (input.isTTY) {
    password = await input.prompt('new password: ');
    if ((await input.prompt('the same again: ')) !== password) throw new Refused('the two passwords differ; nothing was changed');
  } else throw new Refused('no terminal to ask for the password: pipe it in with --password-stdin');
  const problem = passwordProblem(password);
  if (problem) throw new Refused(problem);
  return password;
}

export function makeUserCommand(input: PasswordInput): Command {
  return async (argv: string[], io: CliIO) => {
    const [sub, ...args] = argv;
    const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--role');
    const name = positional[0];
    const known = ['add', 'list', 'disable', 'reset-password'];
    if (sub === undefined || !known.includes(sub) || (sub !== 'list' && (name === undefined || !ACCOUNT_NAME.test(name)))) {
      io.stderr(`${usage('user')}${name !== undefined && !ACCOUNT_NAME.test(name) ? `\n${NAME_RULE}` : ''}`);
      return 2;
    }
    const roleAt = args.indexOf('--role');
    const role = roleAt >= 0 ? args[roleAt + 1] : undefined;
    if (sub === 'add' && !isRole(role)) {
      io.stderr(`--role must be one of ${ROLES.join(', ')}\n${usage('user')}`);
      return 2;
    }
    const config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd);
    let password: string | undefined;
    try {
      if (sub === 'add' || sub === 'reset-password') password = await passwordFrom(args, input);
    } catch (err) {
      if (err instanceof Refused) {
        io.stderr(`curation user ${sub}: ${err.message}`);
        return 2;
      }
      throw err;
    }
    const store = await Store.open(config.databaseUrl, config.timing);
    try {
      return await run(store, sub, name ?? '', role, password, io);
    } finally {
      await store.close();
    }
  };
}

async function run(store: Store, sub: string, name: string, role: string | undefined, password: string | undefined, io: CliIO): Promise<number> {
  const now = Date.now();
  switch (sub) {
    case 'list': {
      const all = await listAccounts(store.db);
      if (all.length === 0) io.stdout('no accounts yet: curation user add NAME --role admin');
      for (const a of all) io.stdout(`${a.name}\t${a.role}\t${a.disabled ? 'disabled' : 'active'}\t${new Date(a.createdAt).toISOString()}`);
      return 0;
    }
    case 'add': {
      const r = await createAccount(store.db, { name, role: role!, passwordHash: await hashPassword(password!) }, CLI_ACTOR, now);
      if (!r.ok) {
        io.stderr(`curation user add: an account named ${name} exists already (reset its password with curation user reset-password ${name})`);
        return 1;
      }
      io.stdout(`added ${name} (${r.account.role})`);
      return 0;
    }
    case 'disable':
    case 'reset-password': {
      const change = sub === 'disable' ? ({ kind: 'disabled', disabled: true } as const) : ({ kind: 'password', passwordHash: await hashPassword(password!) } as const);
      const r = await changeAccount(store.db, name, change, CLI_ACTOR, now);
      if (!r.ok) {
        io.stderr(`curation user ${sub}: ${r.reason === 'last admin' ? `${name} is the last active admin: add another admin first` : `no account named ${name} (curation user list)`}`);
        return 1;
      }
      io.stdout(`${sub === 'disable' ? 'disabled' : 'new password for'} ${name}; ${r.sessionsEnded} session(s) ended`);
      return 0;
    }
    default:
      throw new Error(`curation user: unknown subcommand ${sub}`);
  }
}

export const userCommand: Command = (argv, io) => makeUserCommand(processPasswordInput())(argv, io);
