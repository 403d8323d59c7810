/** Whether `zone` is an IANA time zone this runtime knows (Asia/Shanghai, Europe/London, UTC…). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/*
 * Building an Intl.DateTimeFormat costs far more than using one, and every till answer reads
 * local times (today's partition, the profile's rhythm, campaigns' hours): one formatter per time
 * zone and purpose, kept. A deployment has a handful of zones.
 */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function formatter(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) cache.set(timeZone, (format = make()));
  return format;
}

/** The weekday and hour (0–23) of an instant in a time zone. */
export function localClock(at: Date, timeZone: string): { weekday: Weekday; hour: number } {
  const format = formatter(clockFormats, timeZone, () => new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' }));
  let weekday = 'mon';
  let hour = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'weekday') weekday = part.value.slice(0, 3).toLowerCase();
    else if (part.type === 'hour') hour = Number(part.value);
  }
  return { weekday: weekday as Weekday, hour };
}

/** The local date of an instant in a time zone, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  return formatter(dateFormats, timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).format(at);
}
