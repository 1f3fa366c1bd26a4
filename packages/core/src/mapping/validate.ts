/**
 * Validation of field mappings: every problem as a FieldMappingError row (`mapping_index`, `field`,
 * `error`, `suggested_fix`), so a settings screen can show them all at once. `compileMappings` runs the
 * same analysis and refuses to compile when it finds any.
 *
 * Rows come in this order: per mapping in index order (shape, paths, rules, step checks, field
 * definitions), then targets written twice per direction, then required fields left unmapped
 * (`mapping_index` -1, as they belong to no mapping).
 */
import { closest } from 'fastest-levenshtein';
import { InvalidArgumentError } from '../errors/index.js';
import { type FieldType, fieldTypes } from '../model/enums.js';
import {
  type CrmFieldMapping,
  type CrmFieldMappingInput,
  CrmFieldMappingSchema,
  type FieldDefinition,
  type FieldMappingError,
} from '../model/field-mapping.js';
import { checkDatePattern } from './dates.js';
import { type FieldPath, forbiddenPathNames, isPathPrefix, tryParseFieldPath } from './paths.js';
import {
  formatIssuePath,
  type ParsedTransformRules,
  type RuleProblem,
  safeParseTransformRules,
  suggestOption,
} from './rules.js';
import { type CompiledStep, compileSteps, type StepSettings, type StepYield } from './transforms.js';
import { kindOf } from './types.js';

/**
 * Which mapping field types may feed a WedSync field of each type. A mapping's field_type says how the
 * value is read and checked, so it must produce what the WedSync field holds: an `email` mapping may
 * fill a `text` field, but a `text` mapping may not fill an `email` field (nothing would check it).
 * WedSync field types outside this table are not checked.
 */
export const fieldTypeCompatibility: Readonly<Record<FieldType, readonly FieldType[]>> = {
  text: ['text', 'email', 'phone', 'date'],
  email: ['email'],
  phone: ['phone'],
  date: ['date'],
  number: ['number'],
  boolean: ['boolean'],
  json: fieldTypes,
  array: ['array'],
};

/** Field definitions to check mappings against. */
export interface ValidateMappingsOptions {
  /** The WedSync fields of the record type being mapped (from the catalog). */
  readonly wedsyncFields: readonly FieldDefinition[];
  /** The CRM's fields, when the provider publishes them; unknown CRM fields are then reported. */
  readonly crmFields?: readonly FieldDefinition[];
}

/** A mapping that passed the per-mapping checks, with everything compiled. */
export interface AnalyzedMapping {
  readonly index: number;
  readonly mapping: CrmFieldMapping;
  readonly wedsyncPath: FieldPath;
  readonly crmPath: FieldPath;
  readonly rules: ParsedTransformRules;
  readonly steps: readonly CompiledStep[];
}

/** True when the mapping's direction includes `direction`. */
export function mappingRunsIn(
  mapping: Pick<CrmFieldMapping, 'sync_direction'>,
  direction: 'import' | 'export',
): boolean {
  return mapping.sync_direction === 'bidirectional' || mapping.sync_direction === `${direction}_only`;
}

const pathSyntaxFix =
  'Write a path as names joined by dots, with indexes (`jobs.0.date`) or selectors (`customFields[fieldId=abc].value`)';
const reservedFix = 'Rename the field: `__proto__`, `constructor` and `prototype` are reserved';

const yieldWords: Readonly<Record<StepYield, string>> = {
  text: 'text',
  number: 'a number',
  array: 'a list',
  json: 'a JSON value',
};
const yieldAccepts: Readonly<Record<StepYield, readonly FieldType[]>> = {
  text: ['text', 'email', 'phone', 'date'],
  number: ['number'],
  array: ['array', 'json'],
  json: ['json'],
};

/** Field types whose sub-paths a mapping may name (`custom_fields.venue.value` inside a `json` field). */
const containerTypes: ReadonlySet<string> = new Set(['json', 'array', 'object']);

interface DefinitionIndex {
  readonly byCanonical: ReadonlyMap<string, FieldDefinition>;
  readonly containers: readonly { readonly path: FieldPath; readonly definition: FieldDefinition }[];
  readonly names: readonly string[];
}

function indexDefinitions(definitions: readonly FieldDefinition[]): DefinitionIndex {
  const byCanonical = new Map<string, FieldDefinition>();
  const containers: { path: FieldPath; definition: FieldDefinition }[] = [];
  for (const definition of definitions) {
    const parsed = tryParseFieldPath(definition.name);
    const canonical = parsed.ok ? parsed.path.canonical : definition.name;
    byCanonical.set(canonical, definition);
    if (parsed.ok && containerTypes.has(definition.field_type)) {
      containers.push({ path: parsed.path, definition });
    }
  }
  return { byCanonical, containers, names: [...byCanonical.keys()] };
}

type Lookup =
  | { readonly kind: 'exact'; readonly definition: FieldDefinition }
  | { readonly kind: 'inside' }
  | { readonly kind: 'unknown'; readonly suggestion: string | undefined };

function lookUp(index: DefinitionIndex, path: FieldPath): Lookup {
  const definition = index.byCanonical.get(path.canonical);
  if (definition !== undefined) return { kind: 'exact', definition };
  if (index.containers.some((container) => isPathPrefix(container.path, path))) return { kind: 'inside' };
  return {
    kind: 'unknown',
    suggestion: index.names.length === 0 ? undefined : closest(path.canonical, index.names),
  };
}

function pathProblemRow(
  index: number,
  field: string,
  side: 'WedSync' | 'CRM',
  reason: string,
  position: number,
): FieldMappingError {
  const reserved = [...forbiddenPathNames].some((name) => reason.includes(`\`${name}\``));
  return {
    mapping_index: index,
    field,
    error: `Invalid ${side} field path \`${field}\`: ${reason} at position ${position}`,
    suggested_fix: reserved ? reservedFix : pathSyntaxFix,
  };
}

function ruleRow(index: number, field: string, problem: RuleProblem): FieldMappingError {
  const row: FieldMappingError = {
    mapping_index: index,
    field,
    error:
      problem.path === ''
        ? `Invalid transform rule: ${problem.message}`
        : `Invalid transform rule at \`${problem.path}\`: ${problem.message}`,
  };
  if (problem.suggestedFix !== undefined) row.suggested_fix = problem.suggestedFix;
  return row;
}

function shapeRows(
  index: number,
  input: unknown,
  issues: readonly { path: PropertyKey[]; message: string; code: string; values?: unknown[] }[],
): FieldMappingError[] {
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const field = typeof record.wedsync_field === 'string' ? record.wedsync_field : '';
  return issues.map((issue) => {
    const at = formatIssuePath(issue.path);
    const row: FieldMappingError = {
      mapping_index: index,
      field,
      error:
        at === '' ? `Invalid mapping: ${issue.message}` : `Invalid mapping at \`${at}\`: ${issue.message}`,
    };
    const given = issue.path.length === 1 ? record[issue.path[0] as string] : undefined;
    const options = (issue.values ?? []).filter((value): value is string => typeof value === 'string');
    if (issue.code === 'invalid_value' && typeof given === 'string' && options.length > 0) {
      row.suggested_fix = suggestOption(given, options);
    }
    return row;
  });
}

/**
 * Runs every per-mapping and cross-mapping check. With `definitions`, fields are also checked against
 * the WedSync (and CRM) field definitions. Returns the mappings that compiled and all problem rows.
 */
export function analyzeMappings(
  mappings: readonly unknown[],
  settings: StepSettings,
  definitions: Partial<ValidateMappingsOptions>,
): { readonly analyzed: readonly AnalyzedMapping[]; readonly errors: readonly FieldMappingError[] } {
  const errors: FieldMappingError[] = [];
  const analyzed: AnalyzedMapping[] = [];
  const wedsyncIndex =
    definitions.wedsyncFields === undefined ? undefined : indexDefinitions(definitions.wedsyncFields);
  const crmIndex = definitions.crmFields === undefined ? undefined : indexDefinitions(definitions.crmFields);

  mappings.forEach((input, index) => {
    const shape = CrmFieldMappingSchema.safeParse(input);
    if (!shape.success) {
      errors.push(...shapeRows(index, input, shape.error.issues as never));
      return;
    }
    const mapping = shape.data;
    const rowsBefore = errors.length;
    const wedsync = tryParseFieldPath(mapping.wedsync_field);
    if (!wedsync.ok) {
      errors.push(
        pathProblemRow(
          index,
          mapping.wedsync_field,
          'WedSync',
          wedsync.problem.reason,
          wedsync.problem.position,
        ),
      );
    }
    const crm = tryParseFieldPath(mapping.crm_field);
    if (!crm.ok) {
      errors.push(pathProblemRow(index, mapping.crm_field, 'CRM', crm.problem.reason, crm.problem.position));
    }
    const parsedRules = safeParseTransformRules(mapping.transform_rules);
    if (!parsedRules.ok) {
      errors.push(...parsedRules.problems.map((problem) => ruleRow(index, mapping.wedsync_field, problem)));
      return;
    }
    const rules = parsedRules.rules;
    const compiled = compileSteps(rules.steps, settings);
    errors.push(...compiled.problems.map((problem) => ruleRow(index, mapping.wedsync_field, problem)));
    const patternFix = 'Use date-fns tokens with a year, a month and a day, such as `dd/MM/yyyy`';
    rules.date_input_formats?.forEach((pattern, patternIndex) => {
      const reason = checkDatePattern(pattern, true);
      if (reason !== undefined) {
        errors.push(
          ruleRow(index, mapping.wedsync_field, {
            path: `date_input_formats[${patternIndex}]`,
            message: `Invalid date pattern \`${pattern}\`: ${reason}`,
            suggestedFix: patternFix,
          }),
        );
      }
    });
    if (
      rules.date_output_format !== undefined &&
      compiled.steps.some((step) => step.type === 'date_format')
    ) {
      errors.push({
        mapping_index: index,
        field: mapping.wedsync_field,
        error:
          'Invalid transform rule at `date_output_format`: a `date_format` step already decides the exported pattern',
        suggested_fix: "Remove `date_output_format`; export writes the step's first `input` pattern",
      });
    } else if (rules.date_output_format !== undefined) {
      const reason = checkDatePattern(rules.date_output_format, true);
      if (reason !== undefined) {
        errors.push(
          ruleRow(index, mapping.wedsync_field, {
            path: 'date_output_format',
            message: `Invalid date pattern \`${rules.date_output_format}\`: ${reason}`,
            suggestedFix: patternFix,
          }),
        );
      }
    }

    if (mappingRunsIn(mapping, 'export')) {
      for (const step of compiled.steps) {
        if (step.inverse !== undefined) continue;
        errors.push({
          mapping_index: index,
          field: mapping.wedsync_field,
          error: `Step \`${step.type}\` at \`${step.path}\` cannot be reversed, so this mapping cannot export`,
          suggested_fix: 'Set sync_direction to `import_only`',
        });
      }
    }
    const typedStep = compiled.steps.findLast((step) => step.yields !== undefined);
    if (typedStep?.yields !== undefined && !yieldAccepts[typedStep.yields].includes(mapping.field_type)) {
      errors.push({
        mapping_index: index,
        field: mapping.wedsync_field,
        error: `Step \`${typedStep.type}\` at \`${typedStep.path}\` yields ${yieldWords[typedStep.yields]} but field_type is \`${mapping.field_type}\``,
        suggested_fix: `Set field_type to \`${yieldAccepts[typedStep.yields][0]}\``,
      });
    }

    if (wedsync.ok && wedsyncIndex !== undefined) {
      const found = lookUp(wedsyncIndex, wedsync.path);
      if (found.kind === 'unknown') {
        const row: FieldMappingError = {
          mapping_index: index,
          field: mapping.wedsync_field,
          error: `Unknown WedSync field \`${mapping.wedsync_field}\``,
        };
        if (found.suggestion !== undefined) row.suggested_fix = `Did you mean \`${found.suggestion}\`?`;
        errors.push(row);
      } else if (found.kind === 'exact') {
        const targetType = found.definition.field_type;
        const accepted = (fieldTypeCompatibility as Record<string, readonly FieldType[] | undefined>)[
          targetType
        ];
        if (accepted !== undefined && !accepted.includes(mapping.field_type)) {
          errors.push({
            mapping_index: index,
            field: mapping.wedsync_field,
            error: `Field type \`${mapping.field_type}\` does not fit WedSync field \`${found.definition.name}\` of type \`${targetType}\``,
            suggested_fix: `Set field_type to \`${targetType}\``,
          });
        }
      }
    }
    if (crm.ok && crmIndex !== undefined) {
      const readPaths: { path: FieldPath; where: string }[] = [{ path: crm.path, where: '' }];
      for (const step of compiled.steps) {
        for (const read of step.reads) readPaths.push({ path: read, where: ` in \`${step.path}\`` });
      }
      for (const { path, where } of readPaths) {
        const found = lookUp(crmIndex, path);
        if (found.kind !== 'unknown') continue;
        const row: FieldMappingError = {
          mapping_index: index,
          field: mapping.crm_field,
          error: `Unknown CRM field \`${path.source}\`${where}`,
        };
        if (found.suggestion !== undefined) row.suggested_fix = `Did you mean \`${found.suggestion}\`?`;
        errors.push(row);
      }
    }

    if (errors.length === rowsBefore && wedsync.ok && crm.ok) {
      analyzed.push({
        index,
        mapping,
        wedsyncPath: wedsync.path,
        crmPath: crm.path,
        rules,
        steps: compiled.steps,
      });
    }
  });

  errors.push(...targetRows(analyzed, 'import'), ...targetRows(analyzed, 'export'));
  errors.push(...requiredRows(analyzed, definitions));
  return { analyzed, errors };
}

/** Two mappings writing one target (or one inside the other) in one direction. */
function targetRows(
  analyzed: readonly AnalyzedMapping[],
  direction: 'import' | 'export',
): FieldMappingError[] {
  const rows: FieldMappingError[] = [];
  const writers = analyzed.filter((entry) => mappingRunsIn(entry.mapping, direction));
  const side = direction === 'import' ? 'WedSync' : 'CRM';
  const other = direction === 'import' ? 'export_only' : 'import_only';
  const target = (entry: AnalyzedMapping) => (direction === 'import' ? entry.wedsyncPath : entry.crmPath);
  const name = (entry: AnalyzedMapping) =>
    direction === 'import' ? entry.mapping.wedsync_field : entry.mapping.crm_field;
  writers.forEach((entry, position) => {
    for (const earlier of writers.slice(0, position)) {
      const mine = target(entry);
      const theirs = target(earlier);
      if (mine.canonical === theirs.canonical) {
        rows.push({
          mapping_index: entry.index,
          field: name(entry),
          error: `${side} field \`${name(entry)}\` is already ${direction}ed by mapping ${earlier.index}`,
          suggested_fix: `Keep one ${direction} mapping for \`${name(entry)}\`, or make this one ${other}`,
        });
        break;
      }
      if (isPathPrefix(mine, theirs) || isPathPrefix(theirs, mine)) {
        rows.push({
          mapping_index: entry.index,
          field: name(entry),
          error: `${side} field \`${name(entry)}\` overlaps \`${name(earlier)}\` of mapping ${earlier.index} on ${direction}`,
          suggested_fix: `${direction === 'import' ? 'Import' : 'Export'} either the whole object or its fields, not both`,
        });
        break;
      }
    }
  });
  return rows;
}

/** Required fields no mapping writes: WedSync ones when anything imports, CRM ones when anything exports. */
function requiredRows(
  analyzed: readonly AnalyzedMapping[],
  definitions: Partial<ValidateMappingsOptions>,
): FieldMappingError[] {
  const rows: FieldMappingError[] = [];
  const sides = [
    {
      direction: 'import',
      fields: definitions.wedsyncFields,
      side: 'WedSync',
      path: (entry: AnalyzedMapping) => entry.wedsyncPath,
    },
    {
      direction: 'export',
      fields: definitions.crmFields,
      side: 'CRM',
      path: (entry: AnalyzedMapping) => entry.crmPath,
    },
  ] as const;
  for (const { direction, fields, side, path } of sides) {
    const writers = analyzed.filter((entry) => mappingRunsIn(entry.mapping, direction));
    if (fields === undefined || writers.length === 0) continue;
    const written = new Set(writers.map((entry) => path(entry).canonical));
    for (const definition of fields) {
      if (!definition.is_required) continue;
      const parsed = tryParseFieldPath(definition.name);
      if (written.has(parsed.ok ? parsed.path.canonical : definition.name)) continue;
      rows.push({
        mapping_index: -1,
        field: definition.name,
        error: `Required ${side} field \`${definition.name}\` has no ${direction} mapping`,
        suggested_fix: `Add a mapping that ${direction}s \`${definition.name}\``,
      });
    }
  }
  return rows;
}

/** Settings for rule checks when no compile options are known. */
function validationStepSettings(): StepSettings {
  return {
    currency: undefined,
    maxRegexInputLength: 1000,
    referenceYear: new Date().getUTCFullYear(),
    requireMoneyCurrency: false,
  };
}

/**
 * Checks mappings against the WedSync field definitions (and the CRM's, when given) and returns every
 * problem found as a FieldMappingError row; an empty array means the mappings are valid. Never throws for
 * bad mappings: each input is checked against the CrmFieldMapping schema first.
 */
export function validateMappings(
  mappings: readonly CrmFieldMappingInput[],
  options: ValidateMappingsOptions,
): FieldMappingError[] {
  if (!Array.isArray(mappings)) {
    throw new InvalidArgumentError(`Expected \`mappings\` to be an array, got ${kindOf(mappings)}`);
  }
  if (typeof options !== 'object' || options === null || !Array.isArray(options.wedsyncFields)) {
    throw new InvalidArgumentError('Expected `options.wedsyncFields` to be an array of field definitions');
  }
  if (options.crmFields !== undefined && !Array.isArray(options.crmFields)) {
    throw new InvalidArgumentError('Expected `options.crmFields` to be an array of field definitions');
  }
  return [...analyzeMappings(mappings, validationStepSettings(), options).errors];
}
