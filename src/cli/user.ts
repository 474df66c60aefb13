// `curation user add|list|disable|reset-password`: operator accounts for the
// console, straight in the database (DATABASE_URL), e.g. the first admin.
// A password is typed at a prompt that does not echo, or read from stdin
// with --password-stdin; never from the command line, where `ps` and the
// shell history would keep it. Each change is in the audit log, by 'cli'.
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline/promises';
import { envWithDotenv, loadConfig } from '../config.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../accounts/passwords.js';
import { ACCOUNT_NAME, ROLES, isRole } from '../accounts/roles.js';
import { changeAccount, createAccount, listAccounts, type Actor } from '../delivery/store/accounts.js';
import { Store } from '../delivery/store/store.js';
import type { CliIO, Command } from './io.js';
import { usage } from './usage.js';
import { wordsOf, type Words } from './lang.js';

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

async function passwordFrom(args: string[], input: PasswordInput, w: Words): Promise<string> {
  let password: string;
  if (args.includes('--password-stdin')) password = (await input.readStdin()).replace(/\r?\n$/, '');
  else if (input.isTTY) {
    password = await input.prompt(`${w.t('cli.user.newPassword')} `);
    if ((await input.prompt(`${w.t('cli.user.sameAgain')} `)) !== password) throw new Refused(w.t('cli.user.passwordsDiffer'));
  } else throw new Refused(w.t('cli.user.noTerminal'));
  // passwordProblem decides; its English sentence is said here in the operator's language.
  if (passwordProblem(password) !== null) {
    throw new Refused(password.length < MIN_PASSWORD_LENGTH ? w.t('cli.user.passwordShort', { min: MIN_PASSWORD_LENGTH }) : w.t('cli.user.passwordLong', { max: MAX_PASSWORD_LENGTH }));
  }
  return password;
}

export function makeUserCommand(input: PasswordInput): Command {
  return async (argv: string[], io: CliIO) => {
    const w = wordsOf(io);
    const [sub, ...args] = argv;
    const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--role');
    const name = positional[0];
    const known = ['add', 'list', 'disable', 'reset-password'];
    if (sub === undefined || !known.includes(sub) || (sub !== 'list' && (name === undefined || !ACCOUNT_NAME.test(name)))) {
      io.stderr(`${usage('user')}${name !== undefined && !ACCOUNT_NAME.test(name) ? `\n${w.t('error.nameRule')}` : ''}`);
      return 2;
    }
    const roleAt = args.indexOf('--role');
    const role = roleAt >= 0 ? args[roleAt + 1] : undefined;
    if (sub === 'add' && !isRole(role)) {
      io.stderr(`${w.t('cli.user.roleOneOf', { roles: ROLES.join(', ') })}\n${usage('user')}`);
      return 2;
    }
    const config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd);
    let password: string | undefined;
    try {
      if (sub === 'add' || sub === 'reset-password') password = await passwordFrom(args, input, w);
    } catch (err) {
      if (err instanceof Refused) {
        io.stderr(`curation user ${sub}: ${err.message}`);
        return 2;
      }
      throw err;
    }
    const store = await Store.open(config.databaseUrl, config.timing);
    try {
      return await run(store, sub, name ?? '', role, password, io, w);
    } finally {
      await store.close();
    }
  };
}

async function run(store: Store, sub: string, name: string, role: string | undefined, password: string | undefined, io: CliIO, w: Words): Promise<number> {
  const now = Date.now();
  switch (sub) {
    case 'list': {
      const all = await listAccounts(store.db);
      if (all.length === 0) io.stdout(w.t('cli.user.none'));
      // Names and roles as they are typed (`--role admin`); the state in the operator's language.
      for (const a of all) io.stdout(`${a.name}\t${a.role}\t${w.t(a.disabled ? 'cli.user.disabledState' : 'cli.user.active')}\t${new Date(a.createdAt).toISOString()}`);
      return 0;
    }
    case 'add': {
      const r = await createAccount(store.db, { name, role: role!, passwordHash: await hashPassword(password!) }, CLI_ACTOR, now);
      if (!r.ok) {
        io.stderr(`curation user add: ${w.t('cli.user.exists', { name })}`);
        return 1;
      }
      io.stdout(w.t('cli.user.added', { name, role: r.account.role }));
      return 0;
    }
    case 'disable':
    case 'reset-password': {
      const change = sub === 'disable' ? ({ kind: 'disabled', disabled: true } as const) : ({ kind: 'password', passwordHash: await hashPassword(password!) } as const);
      const r = await changeAccount(store.db, name, change, CLI_ACTOR, now);
      if (!r.ok) {
        io.stderr(`curation user ${sub}: ${r.reason === 'last admin' ? w.t('cli.user.lastAdmin', { name }) : w.t('cli.user.noSuchAccount', { name })}`);
        return 1;
      }
      const said = { name, sessions: r.sessionsEnded };
      io.stdout(sub === 'disable' ? w.t('cli.user.disabled', said) : w.t('cli.user.passwordChanged', said));
      return 0;
    }
    default:
      throw new Error(`curation user: unknown subcommand ${sub}`);
  }
}

export const userCommand: Command = (argv, io) => makeUserCommand(processPasswordInput())(argv, io);
