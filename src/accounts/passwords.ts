// Password hashing with node:crypto scrypt, asynchronous so a sign-in never
// holds the event loop. The cost follows the OWASP Password Storage Cheat
// Sheet (N=2^15, r=8, p=3: 32 MiB and three passes per hash) and is stored
// with each hash, so raising it later still verifies the old hashes
// (needsRehash says which to hash again at the next sign-in).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { words, type Words } from '../words.js';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 3 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** The largest cost a stored hash may ask for: a tampered row must not make a sign-in take gigabytes. */
const MAX_N = 2 ** 20;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const opts: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` (base64url), a fresh salt each time. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > MAX_N || (N & (N - 1)) !== 0 || r > 32 || p > 16) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length !== KEY_BYTES) return null;
  return { cost: { N, r, p }, salt, key };
}

/** Whether `password` is the one `stored` was made from; false for a malformed hash. Constant-time compare. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await derive(password, h.salt, h.cost);
  return timingSafeEqual(key, h.key);
}

/** Whether a stored hash was made with less than today's cost. */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_COST): boolean {
  const h = parse(stored);
  return !h || h.cost.N < cost.N || h.cost.r < cost.r || h.cost.p < cost.p;
}

/** A hash no password matches, to spend the same time on an unknown name as on a known one. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('base64url'));
  return dummy;
}

/** Why a new password is refused, or null. Never quotes the password. */
/** passwordProblem's rule as catalogue words (`password.*`), for the console; null when the password will do. */
export function passwordWords(password: unknown): Words | null {
  if (typeof password !== 'string') return words('password.required');
  if (password.length < MIN_PASSWORD_LENGTH) return words('password.tooShort', { min: MIN_PASSWORD_LENGTH });
  if (password.length > MAX_PASSWORD_LENGTH) return words('password.tooLong', { max: MAX_PASSWORD_LENGTH });
  return null;
}

export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'a password is required';
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}
