// The key pair decides which channel a request belongs to, as on the real API.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface FakeCredential {
  accessKey: string;
  accessSecret: string;
  channelId: string;
}

export class Credentials {
  private readonly byKey = new Map<string, FakeCredential>();

  constructor(list: FakeCredential[]) {
    for (const c of list) this.byKey.set(c.accessKey, c);
  }

  /** The channel id for a key pair, or null. */
  channelFor(key: unknown, secret: unknown): string | null {
    if (typeof key !== 'string' || typeof secret !== 'string') return null;
    const c = this.byKey.get(key);
    if (!c) return null;
    return sameSecret(secret, c.accessSecret) ? c.channelId : null;
  }
}

// Hash first so the comparison takes the same time whatever the lengths.
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
