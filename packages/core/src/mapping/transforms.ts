/**
 * Transformation steps, compiled once per mapping into functions (regexes built, templates and paths
 * parsed, money readers prepared), and applied per record without re-parsing anything.
 *
 * Import (CRM -> WedSync) runs `forward` of each step in order, before coercion to the `field_type`.
 * An absent value (undefined, null, blank) skips every step except `default`, `template` and `concat`.
 *
 * Export (WedSync -> CRM) runs `inverse` of each step in reverse order, after the value was converted to
 * the CRM's representation of its `field_type` (phone format, date pattern). Steps fall in three groups:
 * - normalisers, whose inverse is the identity: `trim`, `case`, `default`, `regex_replace` (the WedSync
 *   value is already normal; what was stripped on import cannot be recovered and is not invented);
 * - invertible: `map` (first CRM value mapping to the WedSync value), `split` without `index` (joined
 *   back), `join` with a separator (split back), `money` (minor units back to a decimal), `date_format`
 *   (parsed with `output`, written with the first `input` pattern);
 * - irreversible, so a mapping holding one cannot export: `split` with `index`, `template`, `concat`.
 */

import { checkDatePattern, reformatWithPatterns } from './dates.js';
import { createMoneyReader, currencyDigits, minorToDecimal, minorToDecimalText } from './money.js';
import { type FieldPath, getAtPath, tryParseFieldPath } from './paths.js';
import { guardRegex } from './regex-guard.js';
import type { RuleProblem, TransformStep, TransformStepType } from './rules.js';
import { failure, isAbsent, isPlainObject, kindOf, success, type ValueOutcome } from './types.js';

/** What a step's output is, when the step decides it (for the field_type check in validation). */
export type StepYield = 'text' | 'number' | 'array' | 'json';

/** A step ready to run. */
export interface CompiledStep {
  readonly type: TransformStepType;
  /** Where the step sits in `transform_rules`: `steps[2]`. */
  readonly path: string;
  /** Import direction: the CRM value (and the whole CRM record, for template and concat) to the next value. */
  readonly forward: (value: unknown, record: unknown) => ValueOutcome;
  /** Export direction; undefined when the step cannot be reversed. */
  readonly inverse: ((value: unknown) => ValueOutcome) | undefined;
  /** CRM paths the step reads besides the mapping's own `crm_field`. */
  readonly reads: readonly FieldPath[];
  /** What the step outputs, when it decides the type. */
  readonly yields: StepYield | undefined;
  /** True for steps that also run on absent values (`default`, `template`, `concat`). */
  readonly runsOnAbsent: boolean;
}

/** Settings steps are compiled with (from the compile options). */
export interface StepSettings {
  /** Default currency of money steps without their own. */
  readonly currency: string | undefined;
  /** Longest text a regex_replace step runs on. */
  readonly maxRegexInputLength: number;
  /** Year around which two-digit years are read. */
  readonly referenceYear: number;
  /** Report money steps with `output: 'money'` and no currency anywhere (false when compile options are unknown). */
  readonly requireMoneyCurrency: boolean;
}

const identity = (value: unknown): ValueOutcome => success(value);

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (Object.is(left, right)) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every(
    (key) =>
      Object.hasOwn(right, key) &&
      deepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
  );
}

function titleCase(text: string): string {
  return text.toLowerCase().replace(/(^|[\s\-‐'’(/])(\p{Ll})/gu, (_match, before: string, letter: string) => {
    return `${before}${letter.toUpperCase()}`;
  });
}

type TemplatePart = { readonly literal: string } | { readonly name: string; readonly path: FieldPath };

/**
 * Compiles the steps of one mapping. Problems (a regex refused, a bad date pattern, a template path that
 * does not parse) are returned, not thrown, so validation can report every one of them.
 */
export function compileSteps(
  steps: readonly TransformStep[],
  settings: StepSettings,
): { readonly steps: readonly CompiledStep[]; readonly problems: readonly RuleProblem[] } {
  const compiled: CompiledStep[] = [];
  const problems: RuleProblem[] = [];
  steps.forEach((step, index) => {
    const path = `steps[${index}]`;
    const result = compileStep(step, path, settings, problems);
    if (result !== undefined) compiled.push(result);
  });
  return { steps: compiled, problems };
}

function compileStep(
  step: TransformStep,
  path: string,
  settings: StepSettings,
  problems: RuleProblem[],
): CompiledStep | undefined {
  const base = { type: step.type, path, reads: [] as FieldPath[], yields: undefined, runsOnAbsent: false };
  switch (step.type) {
    case 'trim':
      return {
        ...base,
        forward: (value) => success(typeof value === 'string' ? value.trim() : value),
        inverse: identity,
      };
    case 'case': {
      const change =
        step.to === 'lower'
          ? (text: string) => text.toLowerCase()
          : step.to === 'upper'
            ? (text: string) => text.toUpperCase()
            : titleCase;
      return {
        ...base,
        forward: (value) => success(typeof value === 'string' ? change(value) : value),
        inverse: identity,
      };
    }
    case 'default': {
      const fallback = step.value;
      return {
        ...base,
        runsOnAbsent: true,
        forward: (value) => success(isAbsent(value) ? structuredClone(fallback) : value),
        inverse: identity,
      };
    }
    case 'map':
      return compileMap(step, base);
    case 'split': {
      const { separator, index } = step;
      return {
        ...base,
        yields: index === undefined ? 'array' : 'text',
        forward: (value) => {
          let parts: unknown[];
          if (typeof value === 'string') {
            parts = value
              .split(separator)
              .map((part) => part.trim())
              .filter((part) => part !== '');
          } else if (Array.isArray(value)) {
            parts = value;
          } else {
            return failure('type_mismatch', `Expected text to split, got ${kindOf(value)}`);
          }
          return success(index === undefined ? parts : parts.at(index));
        },
        inverse:
          index === undefined
            ? (value) => {
                if (!Array.isArray(value)) return success(value);
                const texts = value.map(scalarText);
                if (texts.some((text) => text === undefined)) {
                  return failure('type_mismatch', 'Expected a list of text or numbers to join');
                }
                return success(texts.join(separator));
              }
            : undefined,
      };
    }
    case 'join': {
      const { separator } = step;
      return {
        ...base,
        yields: 'text',
        forward: (value) => {
          if (!Array.isArray(value)) return success(value);
          const texts: string[] = [];
          for (const item of value) {
            if (isAbsent(item)) continue;
            const text = scalarText(item);
            if (text === undefined)
              return failure(
                'type_mismatch',
                `Expected a list of text or numbers, got ${kindOf(item)} items`,
              );
            texts.push(text);
          }
          return success(texts.length === 0 ? undefined : texts.join(separator));
        },
        inverse:
          separator === ''
            ? undefined
            : (value) => {
                if (typeof value !== 'string') return success(value);
                return success(
                  value
                    .split(separator)
                    .map((part) => part.trim())
                    .filter((part) => part !== ''),
                );
              },
      };
    }
    case 'template':
      return compileTemplate(step, base, problems);
    case 'concat': {
      const paths: FieldPath[] = [];
      step.fields.forEach((field, index) => {
        const parsed = tryParseFieldPath(field);
        if (parsed.ok) paths.push(parsed.path);
        else {
          problems.push({
            path: `${path}.fields[${index}]`,
            message: `Invalid CRM field path \`${field}\`: ${parsed.problem.reason} at position ${parsed.problem.position}`,
          });
        }
      });
      const { separator } = step;
      return {
        ...base,
        reads: paths,
        yields: 'text',
        runsOnAbsent: true,
        forward: (_value, record) => {
          const texts: string[] = [];
          for (const fieldPath of paths) {
            const item = getAtPath(record, fieldPath);
            if (isAbsent(item)) continue;
            const text = scalarText(item);
            if (text === undefined) {
              return failure(
                'type_mismatch',
                `Expected text or a number in \`${fieldPath.source}\`, got ${kindOf(item)}`,
              );
            }
            texts.push(text);
          }
          return success(texts.length === 0 ? undefined : texts.join(separator));
        },
        inverse: undefined,
      };
    }
    case 'regex_replace': {
      const guarded = guardRegex(step.pattern, step.flags, settings.maxRegexInputLength);
      if (!guarded.ok) {
        problems.push({
          path: `${path}.pattern`,
          message: `Regular expression refused: ${guarded.problem.reason}`,
          suggestedFix: guarded.problem.suggestedFix,
        });
        return undefined;
      }
      const { regex, maxInputLength } = guarded.guarded;
      const { replacement } = step;
      return {
        ...base,
        forward: (value) => {
          const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
          if (typeof text !== 'string')
            return failure('type_mismatch', `Expected text, got ${kindOf(value)}`);
          if (text.length > maxInputLength) {
            return failure(
              'input_too_long',
              `The text is longer than ${maxInputLength} characters, the limit of this pattern`,
            );
          }
          return success(text.replace(regex, replacement));
        },
        inverse: identity,
      };
    }
    case 'money':
      return compileMoney(step, base, settings, problems);
    case 'date_format': {
      const patterns = [...step.input, step.output];
      let valid = true;
      patterns.forEach((pattern, index) => {
        const reason = checkDatePattern(pattern, false);
        if (reason !== undefined) {
          valid = false;
          const at = index < step.input.length ? `${path}.input[${index}]` : `${path}.output`;
          problems.push({
            path: at,
            message: `Invalid date pattern \`${pattern}\`: ${reason}`,
            suggestedFix: 'Use date-fns tokens, such as `yyyy-MM-dd`, `dd/MM/yyyy` or `h:mm a`',
          });
        }
      });
      if (!valid) return undefined;
      const { input, output } = step;
      const first = input[0] as string;
      const year = settings.referenceYear;
      return {
        ...base,
        yields: 'text',
        forward: (value) => {
          if (typeof value !== 'string')
            return failure('type_mismatch', `Expected a date as text, got ${kindOf(value)}`);
          const text = value.trim();
          for (const pattern of input) {
            const result = reformatWithPatterns(text, pattern, output, year);
            if (result !== undefined) return success(result);
          }
          return failure('invalid_date', `Not a real date or time in the patterns ${input.join(', ')}`);
        },
        inverse: (value) => {
          if (typeof value !== 'string') return success(value);
          const result = reformatWithPatterns(value, output, first, year);
          if (result === undefined)
            return failure('invalid_date', `Not a real date or time in the pattern ${output}`);
          return success(result);
        },
      };
    }
  }
}

type StepBase = Pick<CompiledStep, 'type' | 'path' | 'reads' | 'yields' | 'runsOnAbsent'>;

function compileMap(step: Extract<TransformStep, { type: 'map' }>, base: StepBase): CompiledStep {
  const ignoreCase = step.ignore_case;
  const entries = Object.entries(step.values);
  const lookup = new Map<string, unknown>();
  for (const [key, value] of entries) {
    const normalised = ignoreCase ? key.trim().toLowerCase() : key.trim();
    if (!lookup.has(normalised)) lookup.set(normalised, value);
  }
  const hasFallback = step.fallback !== undefined;
  const fallback = step.fallback;
  const listed = entries.slice(0, 10).map(([key]) => key);
  const expected = `${listed.join(', ')}${entries.length > listed.length ? ', ...' : ''}`;
  return {
    ...base,
    forward: (value) => {
      const text = scalarText(value);
      if (text === undefined)
        return failure('type_mismatch', `Expected text or a number to map, got ${kindOf(value)}`);
      const key = ignoreCase ? text.toLowerCase() : text;
      if (lookup.has(key)) return success(structuredClone(lookup.get(key)));
      if (hasFallback) return success(structuredClone(fallback));
      return failure('unmapped_value', `The value is not one of the mapped values (${expected})`);
    },
    inverse: (value) => {
      const entry = entries.find(([, mapped]) => deepEqual(mapped, value));
      if (entry === undefined) return failure('unmapped_value', 'No CRM value maps to this WedSync value');
      return success(entry[0]);
    },
  };
}

const placeholderPattern = /\{([^{}]*)\}/g;

function compileTemplate(
  step: Extract<TransformStep, { type: 'template' }>,
  base: StepBase,
  problems: RuleProblem[],
): CompiledStep | undefined {
  const parts: TemplatePart[] = [];
  const reads: FieldPath[] = [];
  let last = 0;
  let valid = true;
  for (const match of step.template.matchAll(placeholderPattern)) {
    const literal = step.template.slice(last, match.index);
    if (/[{}]/.test(literal)) break;
    if (literal !== '') parts.push({ literal });
    last = match.index + match[0].length;
    const name = (match[1] as string).trim();
    const sources = step.sources;
    const source = sources !== undefined && Object.hasOwn(sources, name) ? (sources[name] as string) : name;
    const parsed = name === '' ? undefined : tryParseFieldPath(source);
    if (parsed === undefined || !parsed.ok) {
      valid = false;
      problems.push({
        path: `${base.path}.template`,
        message:
          parsed === undefined
            ? 'Empty placeholder `{}` in template'
            : `Invalid CRM field path \`${source}\` in placeholder \`{${name}}\`: ${parsed.problem.reason}`,
      });
      continue;
    }
    parts.push({ name, path: parsed.path });
    reads.push(parsed.path);
  }
  const rest = step.template.slice(last);
  if (/[{}]/.test(rest) || parts.length === 0) {
    problems.push({
      path: `${base.path}.template`,
      message:
        parts.length === 0 && !/[{}]/.test(rest)
          ? 'The template has no `{placeholder}`'
          : 'Unbalanced `{` or `}` in template',
      suggestedFix: 'Write placeholders as `{fieldPath}`, such as `{firstName} {lastName}`',
    });
    return undefined;
  }
  if (!valid) return undefined;
  return {
    ...base,
    reads,
    yields: 'text',
    runsOnAbsent: true,
    forward: (_value, record) => {
      let text = '';
      let found = false;
      for (const part of parts) {
        if ('literal' in part) {
          text += part.literal;
          continue;
        }
        const item = getAtPath(record, part.path);
        if (isAbsent(item)) continue;
        const itemText = scalarText(item);
        if (itemText === undefined) {
          return failure(
            'type_mismatch',
            `Expected text or a number in \`${part.path.source}\`, got ${kindOf(item)}`,
          );
        }
        found = true;
        text += itemText;
      }
      return success(found ? text.replace(/[ \t]{2,}/g, ' ').trim() : undefined);
    },
    inverse: undefined,
  };
}

function compileMoney(
  step: Extract<TransformStep, { type: 'money' }>,
  base: StepBase,
  settings: StepSettings,
  problems: RuleProblem[],
): CompiledStep | undefined {
  const currency = step.currency ?? settings.currency;
  if (step.output === 'money' && currency === undefined) {
    if (settings.requireMoneyCurrency) {
      problems.push({
        path: `${base.path}.currency`,
        message: 'A money step with output `money` needs a currency',
        suggestedFix: 'Set `currency` on the step or the `currency` compile option',
      });
      return undefined;
    }
  }
  const read = createMoneyReader({ decimalSeparator: step.decimal_separator, currency, round: step.round });
  const { output, decimal_separator: decimalSeparator } = step;
  const exportAs = step.export_as;
  const digits = currencyDigits(currency);
  return {
    ...base,
    yields: output === 'money' ? 'json' : 'number',
    forward: (value) => {
      const outcome = read(value);
      if (!outcome.ok) return failure(outcome.code, outcome.reason);
      return success(output === 'money' ? { amount_minor: outcome.minor, currency } : outcome.minor);
    },
    inverse: (value) => {
      let minor: unknown = value;
      if (isPlainObject(value)) {
        if (currency !== undefined && value.currency !== undefined && value.currency !== currency) {
          return failure('currency_mismatch', `The amount is in another currency than ${currency}`);
        }
        minor = value.amount_minor;
      }
      if (typeof minor !== 'number' || !Number.isSafeInteger(minor)) {
        return failure('invalid_money', `Expected an integer amount of minor units, got ${kindOf(minor)}`);
      }
      if (exportAs === 'minor') return success(minor);
      if (exportAs === 'decimal_string')
        return success(minorToDecimalText(minor, currency, decimalSeparator));
      return success(digits === 0 ? minor : minorToDecimal(minor, currency));
    },
  };
}
