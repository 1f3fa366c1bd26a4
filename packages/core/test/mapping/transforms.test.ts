import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors/index.js';
import {
  parseTransformRules,
  type RuleProblem,
  safeParseTransformRules,
  transformStepTypes,
} from '../../src/mapping/index.js';
import { type CompiledStep, compileSteps, type StepSettings } from '../../src/mapping/transforms.js';

const stepSettings: StepSettings = {
  currency: 'GBP',
  maxRegexInputLength: 1000,
  referenceYear: 2026,
  requireMoneyCurrency: true,
};

/** Parses and compiles one step, failing the test on any problem. */
function step(rule: Record<string, unknown>, settings: StepSettings = stepSettings): CompiledStep {
  const rules = parseTransformRules({ steps: [rule] });
  const compiled = compileSteps(rules.steps, settings);
  expect(compiled.problems).toEqual([]);
  return compiled.steps[0] as CompiledStep;
}

function problemsOf(rules: unknown, settings: StepSettings = stepSettings): readonly RuleProblem[] {
  const parsed = safeParseTransformRules(rules);
  if (!parsed.ok) return parsed.problems;
  return compileSteps(parsed.rules.steps, settings).problems;
}

describe('transform rule grammar', () => {
  it('treats an empty object, null and undefined as no steps', () => {
    expect(parseTransformRules({})).toEqual({ steps: [] });
    expect(parseTransformRules(null)).toEqual({ steps: [] });
    expect(parseTransformRules(undefined)).toEqual({ steps: [] });
  });

  it('applies defaults inside steps', () => {
    expect(parseTransformRules({ steps: [{ type: 'money' }, { type: 'map', values: {} }] }).steps).toEqual([
      { type: 'money', decimal_separator: '.', output: 'minor', export_as: 'decimal', round: false },
      { type: 'map', values: {}, ignore_case: true },
    ]);
  });

  it('lists every step type', () => {
    expect(transformStepTypes).toEqual([
      'trim',
      'case',
      'default',
      'map',
      'split',
      'join',
      'template',
      'concat',
      'regex_replace',
      'money',
      'date_format',
    ]);
  });

  it.each([
    [{ stpes: [] }, [{ path: '', message: 'Unknown key `stpes`', suggestedFix: 'Did you mean `steps`?' }]],
    [
      { steps: [{ type: 'trm' }] },
      [
        {
          path: 'steps[0].type',
          message:
            'Unknown step type; expected one of trim, case, default, map, split, join, template, concat, regex_replace, money, date_format',
          suggestedFix: 'Did you mean `trim`?',
        },
      ],
    ],
    [
      { steps: [{}] },
      [
        {
          path: 'steps[0].type',
          message:
            'Unknown step type; expected one of trim, case, default, map, split, join, template, concat, regex_replace, money, date_format',
          suggestedFix: 'Give the step a `type`',
        },
      ],
    ],
    [
      { steps: [{ type: 'split' }] },
      [{ path: 'steps[0].separator', message: 'Invalid input: expected string, received undefined' }],
    ],
    [
      { steps: [{ type: 'split', separator: ',', idx: 1 }] },
      [{ path: 'steps[0]', message: 'Unknown key `idx`', suggestedFix: 'Did you mean `index`?' }],
    ],
    [
      { steps: [{ type: 'case', to: 'lowr' }] },
      [
        {
          path: 'steps[0].to',
          message: 'Invalid option: expected one of "lower"|"upper"|"title"',
          suggestedFix: 'Did you mean `lower`?',
        },
      ],
    ],
    [
      { steps: [{ type: 'money', currency: 'XYZ' }] },
      [{ path: 'steps[0].currency', message: 'Unknown ISO 4217 currency code' }],
    ],
    [
      { steps: [{ type: 'default', value: { at: Number.NaN } }] },
      [{ path: 'steps[0].value', message: 'Expected a JSON value' }],
    ],
    [
      { default_country: 'UK' },
      [{ path: 'default_country', message: expect.stringContaining('ISO 3166-1') }],
    ],
    [{ steps: 'trim' }, [{ path: 'steps', message: 'Invalid input: expected array, received string' }]],
    ['trim', [{ path: '', message: 'Invalid input: expected object, received string' }]],
  ])('reports %j readably', (rules, expected) => {
    expect(problemsOf(rules)).toEqual(expected);
  });

  it('throws MappingError with the problems from parseTransformRules', () => {
    expect(() => parseTransformRules({ steps: [{ type: 'split' }] })).toThrow(MappingError);
    expect(() => parseTransformRules({ steps: [{ type: 'split' }] })).toThrow(
      'Invalid transform rules at `steps[0].separator`: Invalid input: expected string, received undefined',
    );
    expect(() => parseTransformRules({ nope: 1 })).toThrow('Invalid transform rules: Unknown key `nope`');
  });
});

describe('steps', () => {
  it('trim and case normalise text and leave other values alone', () => {
    expect(step({ type: 'trim' }).forward('  Zoë  ', {})).toEqual({ ok: true, value: 'Zoë' });
    expect(step({ type: 'trim' }).forward(5, {})).toEqual({ ok: true, value: 5 });
    expect(step({ type: 'case', to: 'lower' }).forward('JANE@EXAMPLE.COM', {})).toEqual({
      ok: true,
      value: 'jane@example.com',
    });
    expect(step({ type: 'case', to: 'upper' }).forward('sw1a 1aa', {})).toEqual({
      ok: true,
      value: 'SW1A 1AA',
    });
    const title = step({ type: 'case', to: 'title' });
    expect(title.forward("MARY-JANE O'BRIEN", {})).toEqual({ ok: true, value: "Mary-Jane O'Brien" });
    expect(title.forward('zoë ÅSA', {})).toEqual({ ok: true, value: 'Zoë Åsa' });
    expect(title.forward(7, {})).toEqual({ ok: true, value: 7 });
    expect(title.inverse?.('Jane')).toEqual({ ok: true, value: 'Jane' });
  });

  it('default fills absent values only, and runs on absent values', () => {
    const fallback = step({ type: 'default', value: { stage: 'inquiry' } });
    expect(fallback.runsOnAbsent).toBe(true);
    expect(fallback.forward(undefined, {})).toEqual({ ok: true, value: { stage: 'inquiry' } });
    expect(fallback.forward('  ', {})).toEqual({ ok: true, value: { stage: 'inquiry' } });
    expect(fallback.forward('booked', {})).toEqual({ ok: true, value: 'booked' });
  });

  it('map translates values both ways', () => {
    const stage = step({
      type: 'map',
      values: { Lead: 'inquiry', Inquiry: 'inquiry', Booked: 'booked', Completed: 'completed' },
    });
    expect(stage.forward(' lead ', {})).toEqual({ ok: true, value: 'inquiry' });
    expect(stage.forward('BOOKED', {})).toEqual({ ok: true, value: 'booked' });
    expect(stage.forward('Cancelled', {})).toEqual({
      ok: false,
      code: 'unmapped_value',
      reason: 'The value is not one of the mapped values (Lead, Inquiry, Booked, Completed)',
    });
    expect(stage.forward({}, {})).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(stage.inverse?.('inquiry')).toEqual({ ok: true, value: 'Lead' });
    expect(stage.inverse?.('lost')).toEqual({
      ok: false,
      code: 'unmapped_value',
      reason: 'No CRM value maps to this WedSync value',
    });
    const exact = step({ type: 'map', values: { a: 1, A: 2 }, ignore_case: false, fallback: null });
    expect(exact.forward('A', {})).toEqual({ ok: true, value: 2 });
    expect(exact.forward('b', {})).toEqual({ ok: true, value: null });
    const withObjects = step({ type: 'map', values: { '1': true, '0': false, x: { k: [1] } } });
    expect(withObjects.forward(1, {})).toEqual({ ok: true, value: true });
    expect(withObjects.inverse?.(false)).toEqual({ ok: true, value: '0' });
    expect(withObjects.inverse?.({ k: [1] })).toEqual({ ok: true, value: 'x' });
    expect(withObjects.inverse?.({ k: [2] })).toMatchObject({ ok: false });
    expect(withObjects.inverse?.([1])).toMatchObject({ ok: false });
    const many = step({
      type: 'map',
      values: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${i}`, i])),
    });
    expect(many.forward('x', {})).toMatchObject({ reason: expect.stringContaining('s9, ...)') });
  });

  it('split makes lists or picks one part; join is its opposite', () => {
    const tags = step({ type: 'split', separator: ';' });
    expect(tags.yields).toBe('array');
    expect(tags.forward(' barn; summer ;; ', {})).toEqual({ ok: true, value: ['barn', 'summer'] });
    expect(tags.forward(['kept'], {})).toEqual({ ok: true, value: ['kept'] });
    expect(tags.forward(5, {})).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected text to split, got number',
    });
    expect(tags.inverse?.(['barn', 'summer', 3])).toEqual({ ok: true, value: 'barn;summer;3' });
    expect(tags.inverse?.('already text')).toEqual({ ok: true, value: 'already text' });
    expect(tags.inverse?.([{}])).toMatchObject({ ok: false, code: 'type_mismatch' });
    const last = step({ type: 'split', separator: ' ', index: -1 });
    expect(last.yields).toBe('text');
    expect(last.forward('Jane van der Berg', {})).toEqual({ ok: true, value: 'Berg' });
    expect(last.inverse).toBeUndefined();
    expect(step({ type: 'split', separator: ' ', index: 5 }).forward('Jane Smith', {})).toEqual({
      ok: true,
      value: undefined,
    });

    const joined = step({ type: 'join', separator: ', ' });
    expect(joined.forward(['barn', null, 'summer', 2026], {})).toEqual({
      ok: true,
      value: 'barn, summer, 2026',
    });
    expect(joined.forward([null, ''], {})).toEqual({ ok: true, value: undefined });
    expect(joined.forward('text', {})).toEqual({ ok: true, value: 'text' });
    expect(joined.forward([{ a: 1 }], {})).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(joined.inverse?.('barn, summer')).toEqual({ ok: true, value: ['barn', 'summer'] });
    expect(joined.inverse?.(['x'])).toEqual({ ok: true, value: ['x'] });
    expect(step({ type: 'join', separator: '' }).inverse).toBeUndefined();
  });

  it('template and concat read other CRM fields', () => {
    const record = {
      firstName: 'José',
      lastName: "O'Brien",
      partner: { firstName: 'Zoë' },
      customFields: [{ fieldId: '01abc', value: 'Barn' }],
      nested: { deep: true },
    };
    const name = step({ type: 'template', template: '{firstName} {lastName}' });
    expect(name.runsOnAbsent).toBe(true);
    expect(name.reads.map((path) => path.canonical)).toEqual(['firstName', 'lastName']);
    expect(name.forward(undefined, record)).toEqual({ ok: true, value: "José O'Brien" });
    expect(name.forward(undefined, { lastName: 'Kim' })).toEqual({ ok: true, value: 'Kim' });
    expect(name.forward(undefined, {})).toEqual({ ok: true, value: undefined });
    expect(name.forward(undefined, { firstName: ['x'] })).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(name.inverse).toBeUndefined();
    const couple = step({
      type: 'template',
      template: '{ me } & {partner} at {venue}',
      sources: { me: 'firstName', partner: 'partner.firstName', venue: 'customFields[fieldId=01abc].value' },
    });
    expect(couple.forward(undefined, record)).toEqual({ ok: true, value: 'José & Zoë at Barn' });

    const concat = step({ type: 'concat', fields: ['firstName', 'middleName', 'lastName'] });
    expect(concat.forward(undefined, record)).toEqual({ ok: true, value: "José O'Brien" });
    expect(concat.forward(undefined, {})).toEqual({ ok: true, value: undefined });
    expect(concat.forward(undefined, { firstName: { a: 1 } })).toMatchObject({
      ok: false,
      code: 'type_mismatch',
    });
    expect(concat.inverse).toBeUndefined();
    expect(
      step({ type: 'concat', fields: ['a', 'b'], separator: ' / ' }).forward(undefined, { a: 1, b: true }),
    ).toEqual({
      ok: true,
      value: '1 / true',
    });
  });

  it('regex_replace runs guarded patterns on text', () => {
    const digits = step({ type: 'regex_replace', pattern: '[^0-9+]', replacement: '' });
    expect(digits.forward('+44 (0) 7700-900123', {})).toEqual({ ok: true, value: '+4407700900123' });
    expect(digits.forward(4155552671, {})).toEqual({ ok: true, value: '4155552671' });
    expect(digits.forward({}, {})).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(digits.forward('x'.repeat(1001), {})).toEqual({
      ok: false,
      code: 'input_too_long',
      reason: 'The text is longer than 1000 characters, the limit of this pattern',
    });
    const honorific = step({
      type: 'regex_replace',
      pattern: '^(mrs?|ms|dr)\\.?\\s+',
      flags: 'i',
      replacement: '',
    });
    expect(honorific.forward('Mrs. Jane Smith', {})).toEqual({ ok: true, value: 'Jane Smith' });
    expect(honorific.inverse?.('Jane Smith')).toEqual({ ok: true, value: 'Jane Smith' });
    const swap = step({
      type: 'regex_replace',
      pattern: '^(\\w+), (\\w+)$',
      flags: '',
      replacement: '$2 $1',
    });
    expect(swap.forward('Smith, Jane', {})).toEqual({ ok: true, value: 'Jane Smith' });
  });

  it('money reads amounts into minor units and writes them back', () => {
    const budget = step({ type: 'money' });
    expect(budget.yields).toBe('number');
    expect(budget.forward('£1,250.50', {})).toEqual({ ok: true, value: 125050 });
    expect(budget.forward('$5', {})).toMatchObject({ ok: false, code: 'currency_mismatch' });
    expect(budget.inverse?.(125050)).toEqual({ ok: true, value: 1250.5 });
    expect(budget.inverse?.(12.5)).toMatchObject({ ok: false, code: 'invalid_money' });
    const text = step({
      type: 'money',
      decimal_separator: ',',
      currency: 'EUR',
      export_as: 'decimal_string',
    });
    expect(text.forward('1.250,50 €', {})).toEqual({ ok: true, value: 125050 });
    expect(text.inverse?.(125050)).toEqual({ ok: true, value: '1250,50' });
    expect(step({ type: 'money', export_as: 'minor' }).inverse?.(125050)).toEqual({
      ok: true,
      value: 125050,
    });
    const yen = step({ type: 'money', currency: 'JPY' });
    expect(yen.inverse?.(1250)).toEqual({ ok: true, value: 1250 });
    const object = step({ type: 'money', output: 'money' });
    expect(object.yields).toBe('json');
    expect(object.forward('1,250', {})).toEqual({
      ok: true,
      value: { amount_minor: 125000, currency: 'GBP' },
    });
    expect(object.inverse?.({ amount_minor: 125000, currency: 'GBP' })).toEqual({ ok: true, value: 1250 });
    expect(object.inverse?.({ amount_minor: 125000, currency: 'USD' })).toEqual({
      ok: false,
      code: 'currency_mismatch',
      reason: 'The amount is in another currency than GBP',
    });
    expect(object.inverse?.({ currency: 'GBP' })).toMatchObject({ ok: false, code: 'invalid_money' });
  });

  it('money with output money needs a currency when compiling', () => {
    const settings = { ...stepSettings, currency: undefined };
    expect(problemsOf({ steps: [{ type: 'money', output: 'money' }] }, settings)).toEqual([
      {
        path: 'steps[0].currency',
        message: 'A money step with output `money` needs a currency',
        suggestedFix: 'Set `currency` on the step or the `currency` compile option',
      },
    ]);
    expect(
      problemsOf(
        { steps: [{ type: 'money', output: 'money' }] },
        { ...settings, requireMoneyCurrency: false },
      ),
    ).toEqual([]);
  });

  it('date_format rewrites dates and times both ways', () => {
    const time = step({ type: 'date_format', input: ['h:mm a', 'h a'], output: 'HH:mm' });
    expect(time.forward('2:30 PM', {})).toEqual({ ok: true, value: '14:30' });
    expect(time.forward('9 am', {})).toEqual({ ok: true, value: '09:00' });
    expect(time.inverse?.('14:30')).toEqual({ ok: true, value: '2:30 PM' });
    expect(time.forward('25:00', {})).toEqual({
      ok: false,
      code: 'invalid_date',
      reason: 'Not a real date or time in the patterns h:mm a, h a',
    });
    expect(time.forward(1430, {})).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(time.inverse?.('nope')).toEqual({
      ok: false,
      code: 'invalid_date',
      reason: 'Not a real date or time in the pattern HH:mm',
    });
    expect(time.inverse?.(5)).toEqual({ ok: true, value: 5 });
    const day = step({ type: 'date_format', input: ['MM/dd/yyyy'] });
    expect(day.forward('06/12/2026', {})).toEqual({ ok: true, value: '2026-06-12' });
    expect(day.forward('02/31/2026', {})).toMatchObject({ ok: false, code: 'invalid_date' });
    expect(day.inverse?.('2026-06-12')).toEqual({ ok: true, value: '06/12/2026' });
  });

  it.each([
    [
      { steps: [{ type: 'regex_replace', pattern: '(a+)+', replacement: '' }] },
      {
        path: 'steps[0].pattern',
        message:
          'Regular expression refused: a quantified group contains another quantifier or an alternation',
        suggestedFix: 'Rewrite without nested repetition, e.g. `(a+)+` as `a+` and `(a|b)+` as `[ab]+`',
      },
    ],
    [
      { steps: [{ type: 'date_format', input: ['DD/MM/YYYY'] }] },
      {
        path: 'steps[0].input[0]',
        message:
          'Invalid date pattern `DD/MM/YYYY`: use `yyyy` for the year and `d` or `dd` for the day (`Y` is the week-numbering year and `D` the day of the year)',
        suggestedFix: 'Use date-fns tokens, such as `yyyy-MM-dd`, `dd/MM/yyyy` or `h:mm a`',
      },
    ],
    [
      { steps: [{ type: 'date_format', input: ['yyyy'], output: 'nope' }] },
      {
        path: 'steps[0].output',
        message:
          'Invalid date pattern `nope`: Format string contains an unescaped latin alphabet character `n`',
        suggestedFix: 'Use date-fns tokens, such as `yyyy-MM-dd`, `dd/MM/yyyy` or `h:mm a`',
      },
    ],
    [
      { steps: [{ type: 'template', template: '{firstName} {lastName' }] },
      {
        path: 'steps[0].template',
        message: 'Unbalanced `{` or `}` in template',
        suggestedFix: 'Write placeholders as `{fieldPath}`, such as `{firstName} {lastName}`',
      },
    ],
    [
      { steps: [{ type: 'template', template: 'no placeholders' }] },
      {
        path: 'steps[0].template',
        message: 'The template has no `{placeholder}`',
        suggestedFix: 'Write placeholders as `{fieldPath}`, such as `{firstName} {lastName}`',
      },
    ],
    [
      { steps: [{ type: 'template', template: '{a} {__proto__.x}' }] },
      {
        path: 'steps[0].template',
        message:
          'Invalid CRM field path `__proto__.x` in placeholder `{__proto__.x}`: segment `__proto__` is not allowed',
      },
    ],
    [
      { steps: [{ type: 'template', template: '{a} {}' }] },
      { path: 'steps[0].template', message: 'Empty placeholder `{}` in template' },
    ],
    [
      { steps: [{ type: 'concat', fields: ['a', 'b..c'] }] },
      { path: 'steps[0].fields[1]', message: 'Invalid CRM field path `b..c`: empty segment at position 2' },
    ],
  ])('reports compile problems: %j', (rules, problem) => {
    expect(problemsOf(rules)).toEqual([problem]);
  });
});
