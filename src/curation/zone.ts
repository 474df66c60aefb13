// Date parts of a moment in the curation's time zone (`timezone:`, an IANA
// name, Asia/Seoul by default), read with Intl, which knows each zone's
// offsets and daylight saving: never `now + 32400000` and modulo arithmetic,
// which is right for Seoul only until a shop in another zone copies it.
import { said, type Said } from './load-errors.js';

export const DEFAULT_TIMEZONE = 'Asia/Seoul';

export interface DateParts {
  /** mon, tue, wed, thu, fri, sat, sun */
  weekday: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The formatter of a zone, made once; throws RangeError for a zone this machine does not know. */
function formatOf(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    formats.set(zone, f);
  }
  return f;
}

/** null when the zone is known; else the sentence for `timezone:`. */
export function timezoneProblem(zone: string): Said | null {
  try {
    formatOf(zone);
    return null;
  } catch {
    return said('check.unknownZone', { zone }, `'${zone}' is not a time zone this machine knows: write an IANA name such as Asia/Seoul or Europe/London`);
  }
}

export function datePartsIn(zone: string, epochMs: number): DateParts {
  const out: Record<string, string> = {};
  for (const p of formatOf(zone).formatToParts(epochMs)) out[p.type] = p.value;
  return {
    weekday: (out.weekday ?? '').toLowerCase(),
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
  };
}
