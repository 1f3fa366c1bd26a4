/**
 * Up-front option checks with p-queue-style messages: "Expected `interval` to be a finite number >= 0, got `x`
 * (string)". Shared by every package so options are refused the same way everywhere.
 */
import { InvalidArgumentError } from './index.js';

/**
 * How a value reads in an error message: its text (cut at 60 characters) and its type. Only for option values
 * the caller wrote — never for credentials or record data, which must not reach a message.
 */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    text = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  } else if (typeof value === 'function') {
    text = '[function]';
  } else {
    try {
      text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
    if (text.length > 60) text = `${text.slice(0, 60)}…`;
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${text}\` (${type})`;
}

/** Throws InvalidArgumentError "Expected `name` to be <expectation>, got `value` (type)", naming the option. */
export function invalidOption(name: string, expectation: string, value: unknown): never {
  throw new InvalidArgumentError(`Expected \`${name}\` to be ${expectation}, got ${describeValue(value)}`, {
    context: { option: name },
  });
}
