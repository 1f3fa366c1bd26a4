/**
 * Deterministic lowercase ULIDs (https://github.com/ulid/spec), the id format of VSCO Workspace and a good
 * neutral choice for any fake CRM: 10 characters of millisecond time, then 16 characters of "randomness".
 * Here the randomness is 6 characters from the seeded stream plus 10 characters of a sequence number that is
 * unique within a studio, so two ids never collide and the same seed always gives the same ids.
 */
import type { Random } from './random.js';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const maxTime = 2 ** 48 - 1;

/** Encodes a non-negative integer below 32^length as `length` Crockford base-32 characters. */
function encode(value: number, length: number): string {
  let remaining = value;
  let text = '';
  for (let index = 0; index < length; index += 1) {
    const digit = remaining % 32;
    text = alphabet[digit] + text;
    remaining = Math.floor(remaining / 32);
  }
  return text;
}

/** Matches a lowercase ULID. */
export const ulidPattern = /^[0-7][0-9a-hjkmnp-tv-z]{25}$/;

/**
 * A lowercase ULID for an entity created at `timeMs`, unique for each `sequence` (an integer below 2^50).
 */
export function deterministicUlid(timeMs: number, sequence: number, random: Random): string {
  const time = Math.min(Math.max(Math.floor(timeMs), 0), maxTime);
  const entropy = random.nextUint32() & 0x3fffffff;
  return encode(time, 10) + encode(entropy, 6) + encode(sequence, 10);
}

/** The creation time encoded in a ULID, in milliseconds since the epoch. */
export function ulidTime(id: string): number {
  let time = 0;
  for (const character of id.slice(0, 10).toLowerCase()) time = time * 32 + alphabet.indexOf(character);
  return time;
}
