/**
 * The grammar of `transform_rules` (the JSONB column of `crm_field_mappings`), as zod 4 schemas.
 *
 * ```json
 * {
 *   "steps": [
 *     { "type": "trim" },
 *     { "type": "map", "values": { "Lead": "inquiry", "Booked": "booked" }, "fallback": "inquiry" }
 *   ],
 *   "date_order": "day_first"
 * }
 * ```
 * `steps` run in order on import, before the value is coerced to the mapping's `field_type`; on export
 * they run in reverse order, each inverted (see `transforms.ts`). The other keys tune the coercion of this
 * one mapping and override the options given to `compileMappings`. Unknown keys are errors, so a typo
 * (`stpes`) is reported with the closest known key instead of being ignored.
 */
import { closest, distance } from 'fastest-levenshtein';
import { type CountryCode, isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { MappingError } from '../errors/index.js';
import { dateOrders } from './dates.js';
import { isKnownCurrency } from './money.js';
import { maxRegexPatternLength } from './regex-guard.js';
import { copyJsonValue } from './types.js';

const jsonValue = z
  .unknown()
  .refine((value) => value !== undefined && copyJsonValue(value).ok, 'Expected a JSON value');

/** An ISO 4217 currency code this runtime knows. */
export const CurrencyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 currency code of 3 upper-case letters')
  .refine(isKnownCurrency, 'Unknown ISO 4217 currency code');

/** An ISO 3166-1 alpha-2 country that libphonenumber-js has numbering metadata for. */
export const PhoneCountrySchema = z.custom<CountryCode>(
  (value) => typeof value === 'string' && isSupportedCountry(value),
  'Expected an ISO 3166-1 alpha-2 country code with phone numbering metadata (such as GB, US, AU)',
);

/** Formats an exported phone number can take. */
export const phoneFormats = ['E.164', 'national', 'international', 'RFC3966'] as const;
/** Format of an exported phone number: `+14155552671`, `(415) 555-2671`, `+1 415 555 2671`, `tel:+1-415-555-2671`. */
export type PhoneFormat = (typeof phoneFormats)[number];

/** Trims surrounding whitespace. */
export const TrimStepSchema = z.strictObject({ type: z.literal('trim') });
/** Changes letter case (`title` capitalises each word: `o'brien` -> `O'Brien`). */
export const CaseStepSchema = z.strictObject({
  type: z.literal('case'),
  to: z.enum(['lower', 'upper', 'title']),
});
/** Supplies a value when the field is absent (undefined, null or blank). */
export const DefaultStepSchema = z.strictObject({ type: z.literal('default'), value: jsonValue });
/** Maps the CRM's values to WedSync's (a CRM status to a stage); reversed on export. */
export const MapStepSchema = z.strictObject({
  type: z.literal('map'),
  /** CRM value (as text) -> WedSync value. */
  values: z.record(z.string(), jsonValue),
  /** Value for anything not in `values`; without it an unmapped value is an error. */
  fallback: jsonValue.optional(),
  /** Compare CRM values without regard to case. @default true */
  ignore_case: z.boolean().default(true),
});
/** Splits text into a list (or picks one item of it with `index`; negative counts from the end). */
export const SplitStepSchema = z.strictObject({
  type: z.literal('split'),
  separator: z.string().min(1),
  index: z.number().int().min(-100).max(100).optional(),
});
/** Joins a list into text. */
export const JoinStepSchema = z.strictObject({ type: z.literal('join'), separator: z.string() });
/** Builds text from several CRM fields: `{firstName} {lastName}`; `sources` names placeholders' paths. */
export const TemplateStepSchema = z.strictObject({
  type: z.literal('template'),
  template: z.string().min(1).max(1000),
  sources: z.record(z.string(), z.string().min(1)).optional(),
});
/** Joins several CRM fields with a separator, skipping absent ones. */
export const ConcatStepSchema = z.strictObject({
  type: z.literal('concat'),
  fields: z.array(z.string().min(1)).min(1).max(32),
  /** @default ' ' */
  separator: z.string().default(' '),
});
/** Replaces what a (guarded) regular expression matches. */
export const RegexReplaceStepSchema = z.strictObject({
  type: z.literal('regex_replace'),
  pattern: z.string().min(1).max(maxRegexPatternLength),
  /** @default 'g' */
  flags: z.string().max(5).default('g'),
  /** Replacement text; `$1`, `$<name>` and `$&` refer to the match. */
  replacement: z.string().max(1000),
});
/** Reads a decimal amount into integer minor units (`"1,250.50"` -> 125050). */
export const MoneyStepSchema = z.strictObject({
  type: z.literal('money'),
  /** @default '.' */
  decimal_separator: z.enum(['.', ',']).default('.'),
  /** Currency of the amounts; defaults to the `currency` compile option. */
  currency: CurrencyCodeSchema.optional(),
  /** `minor`: a number of minor units; `money`: `{ amount_minor, currency }`. @default 'minor' */
  output: z.enum(['minor', 'money']).default('minor'),
  /** On export: `decimal` (1250.5), `decimal_string` (`"1250.50"`) or `minor` (125050). @default 'decimal' */
  export_as: z.enum(['decimal', 'decimal_string', 'minor']).default('decimal'),
  /** Round extra decimal places half away from zero instead of refusing them. @default false */
  round: z.boolean().default(false),
});
/** Rewrites a date or time from one of `input`'s date-fns patterns to `output`. */
export const DateFormatStepSchema = z.strictObject({
  type: z.literal('date_format'),
  input: z.array(z.string().min(1)).min(1).max(16),
  /** @default 'yyyy-MM-dd' */
  output: z.string().min(1).default('yyyy-MM-dd'),
});

/** One transformation step. */
export const TransformStepSchema = z.discriminatedUnion('type', [
  TrimStepSchema,
  CaseStepSchema,
  DefaultStepSchema,
  MapStepSchema,
  SplitStepSchema,
  JoinStepSchema,
  TemplateStepSchema,
  ConcatStepSchema,
  RegexReplaceStepSchema,
  MoneyStepSchema,
  DateFormatStepSchema,
]);
/** One transformation step. */
export type TransformStep = z.infer<typeof TransformStepSchema>;
/** The name of a step kind (`trim`, `map`, ...). */
export type TransformStepType = TransformStep['type'];

/** Every step kind, in grammar order. */
export const transformStepTypes: readonly TransformStepType[] = TransformStepSchema.options.map(
  (option) => option.shape.type.value,
);

/** The whole `transform_rules` object of one mapping. */
export const TransformRulesGrammarSchema = z.strictObject({
  /** Steps applied in order on import (reversed on export). @default [] */
  steps: z.array(TransformStepSchema).max(32).default([]),
  /** date-fns patterns for a `date` field, tried after ISO 8601; replaces the compile options' patterns. */
  date_input_formats: z.array(z.string().min(1)).min(1).max(16).optional(),
  /** Order of numeric dates for this field. */
  date_order: z.enum(dateOrders).optional(),
  /** date-fns pattern of this field's exported date-only values. */
  date_output_format: z.string().min(1).optional(),
  /** Cut date-times to the calendar date they name in their own offset (`2026-06-12T23:00-07:00` -> `2026-06-12`). */
  date_only: z.boolean().optional(),
  /** Country for national phone numbers of this field. */
  default_country: PhoneCountrySchema.optional(),
  /** Format of this field's exported phone numbers. */
  phone_format: z.enum(phoneFormats).optional(),
  /** Separator that splits text into an `array` field. @default ',' */
  array_separator: z.string().min(1).optional(),
  /**
   * What an invalid value of this (non-required) field does to its record: `reject_record` makes the record
   * invalid; `skip_field` leaves the field unset and reports the error as a warning, so one unreadable phone
   * number does not keep a client out. A required field always rejects. Unset: the compile option
   * `optionalFieldErrors` decides.
   */
  on_invalid: z.enum(['reject_record', 'skip_field']).optional(),
});
/** Parsed `transform_rules` (defaults applied). */
export type ParsedTransformRules = z.infer<typeof TransformRulesGrammarSchema>;

/** One problem in a mapping's `transform_rules`. */
export interface RuleProblem {
  /** Where, inside `transform_rules`: `steps[1].separator`, or '' for the object itself. */
  readonly path: string;
  readonly message: string;
  readonly suggestedFix?: string;
}

/**
 * Suggests a fix for a value outside a short list of options: the closest option when it is close
 * (a typo), otherwise the whole list.
 */
export function suggestOption(given: string, options: readonly string[]): string {
  const best = closest(given, options);
  if (distance(given, best) <= Math.max(2, Math.floor(best.length / 3))) return `Did you mean \`${best}\`?`;
  return `Use one of ${options.map((option) => `\`${option}\``).join(', ')}`;
}

/** Formats a zod issue path as `steps[1].separator`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text.length === 0 ? String(key) : `.${String(key)}`;
  }
  return text;
}

function knownKeysAt(path: readonly PropertyKey[], input: unknown): readonly string[] {
  if (path.length === 0) return Object.keys(TransformRulesGrammarSchema.shape);
  if (path.length === 2 && path[0] === 'steps' && typeof path[1] === 'number' && typeof input === 'object') {
    const step = (input as { steps?: unknown[] } | null)?.steps?.[path[1]];
    const type = (step as { type?: unknown } | undefined)?.type;
    const option = TransformStepSchema.options.find((candidate) => candidate.shape.type.value === type);
    if (option !== undefined) return Object.keys(option.shape);
  }
  return [];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function toProblems(issue: z.core.$ZodIssue, input: unknown): RuleProblem[] {
  const path = formatIssuePath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path, input);
    return issue.keys.map((key) => {
      const problem: RuleProblem = { path, message: `Unknown key \`${key}\`` };
      return known.length === 0 ? problem : { ...problem, suggestedFix: suggestOption(key, known) };
    });
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
    const given = valueAt(input, issue.path);
    const message = `Unknown step type; expected one of ${transformStepTypes.join(', ')}`;
    return [
      typeof given === 'string'
        ? { path, message, suggestedFix: suggestOption(given, transformStepTypes) }
        : { path, message, suggestedFix: 'Give the step a `type`' },
    ];
  }
  if (issue.code === 'invalid_value') {
    const given = valueAt(input, issue.path);
    const options = issue.values.filter((value): value is string => typeof value === 'string');
    if (typeof given === 'string' && options.length > 0) {
      return [{ path, message: issue.message, suggestedFix: suggestOption(given, options) }];
    }
  }
  return [{ path, message: issue.message }];
}

/** Parses `transform_rules`, returning readable problems instead of throwing. `null`/undefined mean `{}`. */
export function safeParseTransformRules(
  input: unknown,
):
  | { readonly ok: true; readonly rules: ParsedTransformRules }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] } {
  const result = TransformRulesGrammarSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, rules: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => toProblems(issue, input)) };
}

/** Parses `transform_rules`; throws MappingError with the problems in `context.problems`. */
export function parseTransformRules(input: unknown): ParsedTransformRules {
  const result = safeParseTransformRules(input);
  if (!result.ok) {
    const first = result.problems[0] as RuleProblem;
    throw new MappingError(
      `Invalid transform rules${first.path === '' ? '' : ` at \`${first.path}\``}: ${first.message}`,
      { context: { problems: result.problems } },
    );
  }
  return result.rules;
}
