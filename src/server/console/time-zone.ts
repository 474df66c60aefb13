// The time zone the console shows times in. There is no channel-wide setting:
// each curation names its own (`timezone:`, default Asia/Seoul), and a shop's
// curations normally share one. So: the zone most of the enabled curations
// use, ties to the default, and the default when there are none.
import { DEFAULT_TIMEZONE } from '../../curation/zone.js';
import type { CurationSet } from '../../curation/index.js';

export function consoleTimeZone(set: CurationSet): string {
  const counts = new Map<string, number>();
  for (const c of set.curations) if (c.enabled) counts.set(c.timezone, (counts.get(c.timezone) ?? 0) + 1);
  let best = DEFAULT_TIMEZONE;
  let most = counts.get(DEFAULT_TIMEZONE) ?? 0;
  for (const [zone, n] of counts) if (n > most) [best, most] = [zone, n];
  return best;
}
