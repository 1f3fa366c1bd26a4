/**
 * `compileMappings`: turns a set of field mappings into one function that maps a record, for one
 * direction. Everything is prepared once per job (paths split, rules parsed, regexes built, date
 * patterns checked); mapping a record parses nothing.
 *
 * Import (CRM record -> WedSync record), per mapping running `import_only` or `bidirectional`:
 *   read `crm_field` -> steps in order -> coerce to `field_type` -> set at `wedsync_field`.
 * Export (WedSync record -> CRM record), per mapping running `export_only` or `bidirectional`:
 *   read `wedsync_field` -> check and convert per `field_type` (phone format, date pattern) -> steps in
 *   reverse order, each inverted -> set at `crm_field`.
 *
 * A bad value never throws: it becomes a FieldValueError naming the field and the kind of value (never
 * the value), and the other fields of the record still map. An absent value (undefined, null, blank) is
 * not set, unless a `default` step supplies one; for an `is_required` mapping it is an error.
 * On import, a record whose data carries an `unreadableRecordKey` note (its provider could not read it as the
 * CRM documents it) is rejected as a whole with the note's reason (`unreadable_record`).
 */
import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';
import { InvalidArgumentError, MappingError } from '../errors/index.js';
import type { CrmFieldMappingInput, FieldDefinition } from '../model/field-mapping.js';
import {
  type Coercer,
  type CoercionSettings,
  createExportConverter,
  createImportCoercer,
  type PhoneValidation,
} from './coerce.js';
import {
  checkDatePattern,
  type DateOrder,
  dateOrders,
  namedMonthDatePatterns,
  numericDatePatterns,
} from './dates.js';
import { isKnownCurrency } from './money.js';
import { type FieldPath, getAtPath, setAtPath, tryParseFieldPath } from './paths.js';
import { type PhoneFormat, phoneFormats } from './rules.js';
import type { CompiledStep, StepSettings } from './transforms.js';
import {
  type FieldErrorCode,
  type FieldValueError,
  isAbsent,
  isPlainObject,
  kindOf,
  unreadableRecordKey,
} from './types.js';
import { type AnalyzedMapping, analyzeMappings, mappingRunsIn } from './validate.js';

/** Which way records flow through the compiled mappings. */
export type MappingDirection = 'import' | 'export';

/** Options of `compileMappings`. Each mapping's `transform_rules` may override the coercion ones. */
export interface CompileMappingsOptions {
  /** `import`: CRM records to WedSync records; `export`: WedSync records to CRM records. */
  readonly direction: MappingDirection;
  /**
   * ISO 3166-1 alpha-2 country of phone numbers written without a country code (`07700 900123` with
   * `GB`). Usually the supplier's country. @default undefined (such numbers are `invalid_phone` errors)
   */
  readonly defaultCountry?: string;
  /**
   * `possible` checks a phone number's length for its country; `valid` also checks its range is in use,
   * which refuses fictional ranges such as Ofcom's 07700 900xxx. @default 'possible'
   */
  readonly phoneValidation?: PhoneValidation;
  /** How exported phone numbers are written. @default 'E.164' */
  readonly phoneFormat?: PhoneFormat;
  /**
   * Order of numeric dates in the CRM (`12/06/2026` is 12 June with `day_first`, 6 December with
   * `month_first`). @default undefined (such dates are `ambiguous_date` errors; ISO and month names still work)
   */
  readonly dateOrder?: DateOrder;
  /**
   * date-fns patterns tried after ISO 8601 for date fields, each with a year, month and day. Replaces
   * the patterns `dateOrder` would give. @default undefined (the patterns of `dateOrder` plus month-name ones)
   */
  readonly dateInputFormats?: readonly string[];
  /** date-fns pattern of exported date-only values. @default 'yyyy-MM-dd' */
  readonly dateOutputFormat?: string;
  /** ISO 4217 currency of money steps without their own. @default undefined (2 decimal places, any symbol) */
  readonly currency?: string;
  /** Path of the record's id, quoted in errors. @default 'id' */
  readonly recordIdField?: string;
  /** Unicode normalisation of text: `NFC`, or `none` to keep code points as received. @default 'NFC' */
  readonly unicodeNormalization?: 'NFC' | 'none';
  /**
   * What a bad value in a field that is not required does: `fail_record` makes the record invalid;
   * `warn` skips the field and reports the error in `warnings`. @default 'fail_record'
   */
  readonly optionalFieldErrors?: 'fail_record' | 'warn';
  /** Longest text a regex_replace step runs on (a complex pattern's own bound may be lower). @default 1000 */
  readonly maxRegexInputLength?: number;
  /** Year two-digit years (`yy`) are read around. @default the current year, read when compiling */
  readonly referenceYear?: number;
  /** When given, mappings are also checked against these WedSync field definitions. @default undefined */
  readonly wedsyncFields?: readonly FieldDefinition[];
  /** When given, CRM field paths are also checked against these definitions. @default undefined */
  readonly crmFields?: readonly FieldDefinition[];
}

/** Per-call details of one record. */
export interface MapRecordContext {
  /** The record's id for errors; overrides `recordIdField`. */
  readonly recordId?: string;
}

/** The outcome of mapping one record. `value` holds every field that mapped, even when `ok` is false. */
export type MappingResult =
  | {
      readonly ok: true;
      readonly value: Record<string, unknown>;
      readonly errors: readonly [];
      /** Errors of non-required fields skipped under `optionalFieldErrors: 'warn'`. */
      readonly warnings: readonly FieldValueError[];
    }
  | {
      readonly ok: false;
      readonly value: Record<string, unknown>;
      readonly errors: readonly FieldValueError[];
      readonly warnings: readonly FieldValueError[];
    };

/** Maps one record in the compiled direction. Never throws for bad data. */
export type RecordMapper = (record: unknown, context?: MapRecordContext) => MappingResult;

interface FieldRunner {
  readonly field: string;
  readonly crmField: string;
  readonly required: boolean;
  /** Whether an invalid value is a warning (the field is skipped) rather than an error of the record. */
  readonly warnOnError: boolean;
  readonly source: FieldPath;
  readonly target: FieldPath;
  readonly run: (value: unknown, record: unknown) => RunOutcome;
}

type RunOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: FieldErrorCode; readonly reason: string; readonly kind: string };

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? 'array' : String(value);
  return `\`${text.length > 60 ? `${text.slice(0, 60)}...` : text}\` (${kindOf(value)})`;
}

function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be one of ${allowed.map((item) => `\`${item}\``).join(', ')}, got ${describe(value)}`,
      { context: { option: name } },
    );
  }
  return value as T;
}

function expectInteger(name: string, value: unknown, minimum: number, maximum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be an integer from ${minimum} to ${maximum}, got ${describe(value)}`,
      { context: { option: name } },
    );
  }
  return value;
}

function expectDatePattern(name: string, value: unknown): string {
  const reason = typeof value === 'string' ? checkDatePattern(value, true) : 'not text';
  if (reason !== undefined) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a date-fns pattern with a year, a month and a day, got ${describe(value)}: ${reason}`,
      { context: { option: name } },
    );
  }
  return value as string;
}

interface ResolvedOptions {
  readonly direction: MappingDirection;
  readonly defaultCountry: CountryCode | undefined;
  readonly phoneValidation: PhoneValidation;
  readonly phoneFormat: PhoneFormat;
  readonly dateOrder: DateOrder | undefined;
  readonly dateInputFormats: readonly string[] | undefined;
  readonly dateOutputFormat: string | undefined;
  readonly currency: string | undefined;
  readonly recordIdPath: FieldPath;
  readonly normalizeUnicode: boolean;
  readonly warnOnOptionalErrors: boolean;
  readonly maxRegexInputLength: number;
  readonly referenceYear: number;
}

function resolveOptions(options: CompileMappingsOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
  const direction = expectOneOf('direction', options.direction, ['import', 'export'] as const);
  if (direction === undefined) {
    throw new InvalidArgumentError(
      'Expected `direction` to be one of `import`, `export`, got `undefined` (undefined)',
      {
        context: { option: 'direction' },
      },
    );
  }
  const { defaultCountry, currency } = options;
  if (
    defaultCountry !== undefined &&
    (typeof defaultCountry !== 'string' || !isSupportedCountry(defaultCountry))
  ) {
    throw new InvalidArgumentError(
      `Expected \`defaultCountry\` to be an ISO 3166-1 alpha-2 code with phone metadata (such as \`GB\`), got ${describe(defaultCountry)}`,
      { context: { option: 'defaultCountry' } },
    );
  }
  if (currency !== undefined && (typeof currency !== 'string' || !isKnownCurrency(currency))) {
    throw new InvalidArgumentError(
      `Expected \`currency\` to be an ISO 4217 code (such as \`GBP\`), got ${describe(currency)}`,
      {
        context: { option: 'currency' },
      },
    );
  }
  let dateInputFormats: readonly string[] | undefined;
  if (options.dateInputFormats !== undefined) {
    if (!Array.isArray(options.dateInputFormats) || options.dateInputFormats.length === 0) {
      throw new InvalidArgumentError(
        `Expected \`dateInputFormats\` to be a non-empty array of date-fns patterns, got ${describe(options.dateInputFormats)}`,
        { context: { option: 'dateInputFormats' } },
      );
    }
    dateInputFormats = options.dateInputFormats.map((pattern, index) =>
      expectDatePattern(`dateInputFormats[${index}]`, pattern),
    );
  }
  const recordIdField = options.recordIdField ?? 'id';
  const recordIdPath = typeof recordIdField === 'string' ? tryParseFieldPath(recordIdField) : undefined;
  if (recordIdPath === undefined || !recordIdPath.ok) {
    throw new InvalidArgumentError(
      `Expected \`recordIdField\` to be a field path, got ${describe(recordIdField)}`,
      {
        context: { option: 'recordIdField' },
      },
    );
  }
  for (const name of ['wedsyncFields', 'crmFields'] as const) {
    if (options[name] !== undefined && !Array.isArray(options[name])) {
      throw new InvalidArgumentError(
        `Expected \`${name}\` to be an array of field definitions, got ${describe(options[name])}`,
        {
          context: { option: name },
        },
      );
    }
  }
  return {
    direction,
    defaultCountry: defaultCountry as CountryCode | undefined,
    phoneValidation:
      expectOneOf('phoneValidation', options.phoneValidation, ['possible', 'valid'] as const) ?? 'possible',
    phoneFormat: expectOneOf('phoneFormat', options.phoneFormat, phoneFormats) ?? 'E.164',
    dateOrder: expectOneOf('dateOrder', options.dateOrder, dateOrders),
    dateInputFormats,
    dateOutputFormat:
      options.dateOutputFormat === undefined
        ? undefined
        : expectDatePattern('dateOutputFormat', options.dateOutputFormat),
    currency,
    recordIdPath: recordIdPath.path,
    normalizeUnicode:
      (expectOneOf('unicodeNormalization', options.unicodeNormalization, ['NFC', 'none'] as const) ??
        'NFC') === 'NFC',
    warnOnOptionalErrors:
      (expectOneOf('optionalFieldErrors', options.optionalFieldErrors, ['fail_record', 'warn'] as const) ??
        'fail_record') === 'warn',
    maxRegexInputLength:
      expectInteger('maxRegexInputLength', options.maxRegexInputLength, 1, 100_000) ?? 1000,
    referenceYear:
      expectInteger('referenceYear', options.referenceYear, 1000, 9999) ?? new Date().getUTCFullYear(),
  };
}

/** The coercion settings of one mapping: its rules first, then the compile options. */
function coercionSettings(entry: AnalyzedMapping, options: ResolvedOptions): CoercionSettings {
  const { rules } = entry;
  let datePatterns: readonly string[];
  let explicitDatePatterns = false;
  let dateOrder: DateOrder | undefined;
  if (rules.date_input_formats !== undefined) {
    datePatterns = rules.date_input_formats;
    explicitDatePatterns = true;
  } else if (rules.date_order !== undefined) {
    dateOrder = rules.date_order;
    datePatterns = [...numericDatePatterns[dateOrder], ...namedMonthDatePatterns];
  } else if (options.dateInputFormats !== undefined) {
    datePatterns = options.dateInputFormats;
    explicitDatePatterns = true;
  } else {
    dateOrder = options.dateOrder;
    datePatterns = [
      ...(dateOrder === undefined ? [] : numericDatePatterns[dateOrder]),
      ...namedMonthDatePatterns,
    ];
  }
  return {
    defaultCountry: rules.default_country ?? options.defaultCountry,
    phoneValidation: options.phoneValidation,
    phoneFormat: rules.phone_format ?? options.phoneFormat,
    datePatterns,
    dateOrder,
    explicitDatePatterns,
    // A date_format step writes the CRM's pattern itself on export, from the ISO value.
    dateOutputFormat: entry.steps.some((step) => step.type === 'date_format')
      ? undefined
      : (rules.date_output_format ?? options.dateOutputFormat),
    dateOnly: rules.date_only ?? false,
    arraySeparator: rules.array_separator ?? ',',
    normalizeUnicode: options.normalizeUnicode,
    referenceYear: options.referenceYear,
  };
}

function importRunner(steps: readonly CompiledStep[], coerce: Coercer): FieldRunner['run'] {
  return (raw, record) => {
    let value = raw;
    for (const step of steps) {
      if (!step.runsOnAbsent && isAbsent(value)) continue;
      const outcome = step.forward(value, record);
      if (!outcome.ok)
        return {
          ok: false,
          code: outcome.code,
          reason: `${outcome.reason} (${step.path})`,
          kind: kindOf(value),
        };
      value = outcome.value;
    }
    if (isAbsent(value)) return { ok: true, value: undefined };
    const coerced = coerce(value);
    return coerced.ok ? coerced : { ...coerced, kind: kindOf(value) };
  };
}

function exportRunner(steps: readonly CompiledStep[], convert: Coercer): FieldRunner['run'] {
  const reversed = [...steps].reverse();
  return (raw) => {
    if (isAbsent(raw)) return { ok: true, value: undefined };
    const converted = convert(raw);
    if (!converted.ok) return { ...converted, kind: kindOf(raw) };
    let value = converted.value;
    for (const step of reversed) {
      if (isAbsent(value)) break;
      const outcome = (step.inverse as NonNullable<CompiledStep['inverse']>)(value);
      if (!outcome.ok)
        return {
          ok: false,
          code: outcome.code,
          reason: `${outcome.reason} (${step.path})`,
          kind: kindOf(value),
        };
      value = outcome.value;
    }
    return { ok: true, value: isAbsent(value) ? undefined : value };
  };
}

/** The most issues of an unreadable record's note quoted in its error. */
const maxQuotedIssues = 5;
/** The longest reason, path or message of an unreadable record's note quoted in its error (characters). */
const maxQuotedText = 200;

/** The reason of a record's {@link unreadableRecordKey} note, with the paths of its first issues. */
function unreadableReason(note: unknown): string {
  const quoted = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, maxQuotedText) : undefined;
  const noteObject = isPlainObject(note) ? note : {};
  const reason =
    quoted(noteObject['reason']) ?? 'The provider could not read the record as the CRM documents it';
  const issues = Array.isArray(noteObject['issues']) ? noteObject['issues'] : [];
  const listed = issues
    .slice(0, maxQuotedIssues)
    .map((issue) => {
      if (!isPlainObject(issue)) return undefined;
      const path = quoted(issue['path']);
      const message = quoted(issue['message']);
      return path === undefined ? message : message === undefined ? path : `${path}: ${message}`;
    })
    .filter((item): item is string => item !== undefined);
  if (listed.length === 0) return reason;
  return `${reason} (${listed.join('; ')}${issues.length > maxQuotedIssues ? '; ...' : ''})`;
}

function recordIdOf(record: unknown, path: FieldPath): string | null {
  const id = getAtPath(record, path);
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return null;
}

/**
 * Compiles field mappings for one direction into a RecordMapper. Throws MappingError, with every
 * FieldMappingError row in `context.errors`, when the mappings are invalid (see `validateMappings`), and
 * InvalidArgumentError when an option is.
 */
export function compileMappings(
  mappings: readonly CrmFieldMappingInput[],
  options: CompileMappingsOptions,
): RecordMapper {
  if (!Array.isArray(mappings)) {
    throw new InvalidArgumentError(`Expected \`mappings\` to be an array, got ${describe(mappings)}`);
  }
  const resolved = resolveOptions(options);
  const stepSettings: StepSettings = {
    currency: resolved.currency,
    maxRegexInputLength: resolved.maxRegexInputLength,
    referenceYear: resolved.referenceYear,
    requireMoneyCurrency: true,
  };
  const definitions = {
    ...(options.wedsyncFields === undefined ? {} : { wedsyncFields: options.wedsyncFields }),
    ...(options.crmFields === undefined ? {} : { crmFields: options.crmFields }),
  };
  const { analyzed, errors } = analyzeMappings(mappings, stepSettings, definitions);
  if (errors.length > 0) {
    const first = errors[0];
    throw new MappingError(
      `${errors.length} field mapping problem${errors.length === 1 ? '' : 's'}; the first: ${first?.error} (mapping ${first?.mapping_index})`,
      { context: { errors } },
    );
  }

  const isImport = resolved.direction === 'import';
  const runners: FieldRunner[] = analyzed
    .filter((entry) => mappingRunsIn(entry.mapping, resolved.direction))
    .map((entry) => {
      const settings = coercionSettings(entry, resolved);
      return {
        field: entry.mapping.wedsync_field,
        crmField: entry.mapping.crm_field,
        required: entry.mapping.is_required,
        warnOnError:
          !entry.mapping.is_required &&
          (entry.rules.on_invalid === undefined
            ? resolved.warnOnOptionalErrors
            : entry.rules.on_invalid === 'skip_field'),
        source: isImport ? entry.crmPath : entry.wedsyncPath,
        target: isImport ? entry.wedsyncPath : entry.crmPath,
        run: isImport
          ? importRunner(entry.steps, createImportCoercer(entry.mapping.field_type, settings))
          : exportRunner(entry.steps, createExportConverter(entry.mapping.field_type, settings)),
      };
    });
  const { recordIdPath } = resolved;

  return (record, context) => {
    const value: Record<string, unknown> = {};
    const errors: FieldValueError[] = [];
    const warnings: FieldValueError[] = [];
    const recordId = context?.recordId ?? recordIdOf(record, recordIdPath);
    if (!isPlainObject(record)) {
      errors.push({
        record_id: recordId,
        field: '',
        crm_field: '',
        value_kind: kindOf(record),
        reason: 'The record is not an object',
        code: 'invalid_record',
      });
      return { ok: false, value, errors, warnings };
    }
    if (isImport && Object.hasOwn(record, unreadableRecordKey)) {
      errors.push({
        record_id: recordId,
        field: '',
        crm_field: unreadableRecordKey,
        value_kind: kindOf(record[unreadableRecordKey]),
        reason: unreadableReason(record[unreadableRecordKey]),
        code: 'unreadable_record',
      });
      return { ok: false, value, errors, warnings };
    }
    for (const runner of runners) {
      const raw = getAtPath(record, runner.source);
      const outcome = runner.run(raw, record);
      let failure: { code: FieldErrorCode; reason: string; kind: string } | undefined;
      if (!outcome.ok) failure = outcome;
      else if (outcome.value === undefined) {
        if (runner.required)
          failure = { code: 'required_missing', reason: 'A required field has no value', kind: kindOf(raw) };
      } else {
        const conflict = setAtPath(value, runner.target, outcome.value);
        if (conflict !== undefined) {
          failure = {
            code: 'path_conflict',
            reason: `Cannot set the field: \`${conflict.at}\` already holds a value that is not an object or list`,
            kind: kindOf(outcome.value),
          };
        }
      }
      if (failure === undefined) continue;
      const error: FieldValueError = {
        record_id: recordId,
        field: runner.field,
        crm_field: runner.crmField,
        value_kind: failure.kind,
        reason: failure.reason,
        code: failure.code,
      };
      if (runner.warnOnError) warnings.push(error);
      else errors.push(error);
    }
    return errors.length === 0
      ? { ok: true, value, errors: [], warnings }
      : { ok: false, value, errors, warnings };
  };
}
