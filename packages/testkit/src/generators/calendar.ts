/**
 * Day arithmetic for the generator. Dates are whole UTC days since the epoch, so a date never shifts with a
 * time zone; timestamps are milliseconds. Both format to the ISO strings the model uses.
 */
import type { Random } from './random.js';

/** Milliseconds in a day. */
export const dayMs = 86_400_000;

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a real `YYYY-MM-DD` date, or undefined when it is not one. */
export function parseDay(text: string): number | undefined {
  const match = datePattern.exec(text);
  if (match === null) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return time / dayMs;
}

const dayCache = new Map<number, string>();
const dayCacheLimit = 100_000;

/** `YYYY-MM-DD` of a day number (cached: a studio uses a few thousand distinct days, formatted many times). */
export function formatDay(day: number): string {
  let text = dayCache.get(day);
  if (text === undefined) {
    text = new Date(day * dayMs).toISOString().slice(0, 10);
    if (dayCache.size < dayCacheLimit) dayCache.set(day, text);
  }
  return text;
}

const two = (value: number) => (value < 10 ? `0${value}` : String(value));

/** A UTC ISO timestamp with second precision (`2024-03-05T14:22:10Z`). */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / dayMs);
  const seconds = Math.floor((ms - day * dayMs) / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${formatDay(day)}T${two(hours)}:${two(minutes)}:${two(seconds % 60)}Z`;
}

/** A moment during working hours (08:00–21:59 UTC) of a day, in milliseconds. */
export function momentOf(random: Random, day: number): number {
  return day * dayMs + random.int(8 * 3600, 22 * 3600 - 1) * 1000;
}

/** `HH:mm` of minutes after midnight (wrapping past midnight). */
export function formatTime(minutes: number): string {
  const wrapped = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(wrapped / 60)).padStart(2, '0')}:${String(wrapped % 60).padStart(2, '0')}`;
}

/** The UTC year of a day number. */
export function yearOf(day: number): number {
  return new Date(day * dayMs).getUTCFullYear();
}

/** Month (1–12) of a day number. */
export function monthOf(day: number): number {
  return new Date(day * dayMs).getUTCMonth() + 1;
}

/** A day that does not exist, in the same year as `day` and close to its month (`2025-04-31`). */
export function impossibleDateNear(day: number): string {
  const year = yearOf(day);
  const month = monthOf(day);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const byMonth: Record<number, string> = {
    1: '02-30',
    2: leap ? '02-30' : '02-29',
    3: '04-31',
    4: '04-31',
    5: '06-31',
    6: '06-31',
    7: '06-31',
    8: '09-31',
    9: '09-31',
    10: '11-31',
    11: '11-31',
    12: '11-31',
  };
  return `${year}-${byMonth[month]}`;
}
