/**
 * Time helpers for the VSCO Workspace fake: its timestamp format (`2026-10-05T14:00:00+00:00`), local event
 * times to UTC in an IANA zone, and zone abbreviations — with Intl only, cached, since a large studio has
 * hundreds of thousands of event times.
 */

/** VSCO Workspace's timestamp format: UTC with a `+00:00` offset and second precision. */
export function taveTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** Converts a model timestamp (`…Z`) to VSCO Workspace's format (`…+00:00`). */
export function toTaveTimestamp(iso: string): string {
  return iso.endsWith('Z') ? `${iso.slice(0, 19)}+00:00` : iso;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const dayOffsets = new Map<string, readonly [number, number]>();
const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** The zone's offset from UTC in minutes at an instant, straight from Intl. */
function exactOffset(zone: string, utcMs: number): number {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(utcMs)) parts[part.type] = Number(part.value);
  const local = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
  );
  return Math.round((local - Math.floor(utcMs / 60_000) * 60_000) / 60_000);
}

/**
 * The zone's offset at an instant. Offsets change a few times a year, so the offsets at the start and end of
 * each UTC day are cached, and Intl is asked again only on a day when they differ (a transition day).
 */
function offsetMinutes(zone: string, utcMs: number): number {
  const day = Math.floor(utcMs / dayMs);
  const key = `${zone}|${day}`;
  let offsets = dayOffsets.get(key);
  if (offsets === undefined) {
    offsets = [exactOffset(zone, day * dayMs), exactOffset(zone, (day + 1) * dayMs - hourMs)];
    if (dayOffsets.size > 100_000) dayOffsets.clear();
    dayOffsets.set(key, offsets);
  }
  return offsets[0] === offsets[1] ? offsets[0] : exactOffset(zone, utcMs);
}

/** The UTC timestamp (VSCO Workspace format) of a local date and `HH:mm` time in an IANA zone. */
export function zonedToUtc(date: string, time: string, zone: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const local = Date.UTC(year, month - 1, day, hours, minutes);
  let utc = local - offsetMinutes(zone, local) * 60_000;
  const corrected = offsetMinutes(zone, utc);
  utc = local - corrected * 60_000;
  return taveTimestamp(utc);
}

/** Short names of a zone in winter and in summer (`EST`/`EDT`; `GMT`/`GMT+1` where English has none). */
export function zoneAbbreviations(zone: string): { readonly standard: string; readonly daylight: string } {
  const name = (ms: number) =>
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
      .formatToParts(ms)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'UTC';
  const january = name(Date.UTC(2024, 0, 15));
  const july = name(Date.UTC(2024, 6, 15));
  // South of the equator, summer is in January.
  const southern = offsetMinutes(zone, Date.UTC(2024, 0, 15)) > offsetMinutes(zone, Date.UTC(2024, 6, 15));
  return southern
    ? { standard: july.slice(0, 12), daylight: january.slice(0, 12) }
    : { standard: january.slice(0, 12), daylight: july.slice(0, 12) };
}
