// The time zone the console shows times in. There is no channel-wide setting:
// each curation names its own (`timezone:`, default Asia/Seoul), and a shop's
// curations normally share one. So: the zone most of the enabled curations
// use, ties to the default, and the default when there are none.
import { datePartsIn, DEFAULT_TIMEZONE } from '../../curation/zone.js';
import type { CurationSet } from '../../curation/index.js';

export function consoleTimeZone(set: CurationSet): string {
  const counts = new Map<string, number>();
  for (const c of set.curations) if (c.enabled) counts.set(c.timezone, (counts.get(c.timezone) ?? 0) + 1);
  let best = DEFAULT_TIMEZONE;
  let most = counts.get(DEFAULT_TIMEZONE) ?? 0;
  for (const [zone, n] of counts) if (n > most) [best, most] = [zone, n];
  return best;
}

/** The moments [from, to) of a calendar day (`YYYY-MM-DD`) in `zone`; null for a day that does not exist. */
export function dayRange(zone: string, day: string): { from: number; to: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const noonUtc = Date.UTC(y, mo - 1, d, 12);
  const check = new Date(noonUtc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return { from: localMidnight(zone, y, mo, d), to: localMidnight(zone, y, mo, d + 1) };
}

/** Epoch ms of 00:00 of a day in `zone`, read through Intl (its offsets and daylight saving), not a fixed offset. */
function localMidnight(zone: string, y: number, mo: number, d: number): number {
  const wall = Date.UTC(y, mo - 1, d);
  let at = wall - offsetAt(zone, wall);
  // Once more at the first guess: the offset may differ there (a day that starts or ends daylight saving).
  at = wall - offsetAt(zone, at);
  return at;
}

/** How far the zone's wall clock is ahead of UTC at a moment, in ms (to the minute). */
function offsetAt(zone: string, at: number): number {
  const p = datePartsIn(zone, at);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(at / 60_000) * 60_000;
}
