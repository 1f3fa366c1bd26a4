/**
 * The field-mapping engine: paths, coercion per field_type, transform rules, compile, validate.
 */
export {
  type Coercer,
  type CoercionSettings,
  copyJsonValue,
  emailMatchKey,
  type PhoneValidation,
} from './coerce.js';
export {
  type CompileMappingsOptions,
  compileMappings,
  type MappingDirection,
  type MappingResult,
  type MapRecordContext,
  type RecordMapper,
} from './compile.js';
export { type DateOrder, dateOrders, namedMonthDatePatterns, numericDatePatterns } from './dates.js';
export {
  type FieldPath,
  forbiddenPathNames,
  formatFieldPath,
  getAtPath,
  isPathPrefix,
  maxPathIndex,
  maxPathSegments,
  type PathSegment,
  type PathSyntaxProblem,
  parseFieldPath,
  type SetPathConflict,
  setAtPath,
  tryParseFieldPath,
} from './paths.js';
export {
  allowedRegexFlags,
  type GuardedRegex,
  guardRegex,
  maxRegexPatternLength,
  type RegexProblem,
} from './regex-guard.js';
export {
  CaseStepSchema,
  ConcatStepSchema,
  CurrencyCodeSchema,
  DateFormatStepSchema,
  DefaultStepSchema,
  JoinStepSchema,
  MapStepSchema,
  MoneyStepSchema,
  type ParsedTransformRules,
  PhoneCountrySchema,
  type PhoneFormat,
  parseTransformRules,
  phoneFormats,
  RegexReplaceStepSchema,
  type RuleProblem,
  SplitStepSchema,
  safeParseTransformRules,
  TemplateStepSchema,
  TransformRulesGrammarSchema,
  type TransformStep,
  TransformStepSchema,
  type TransformStepType,
  TrimStepSchema,
  transformStepTypes,
} from './rules.js';
export { type CompiledStep, compileSteps, type StepSettings, type StepYield } from './transforms.js';
export { type FieldErrorCode, type FieldValueError, isAbsent, kindOf, type ValueOutcome } from './types.js';
export {
  fieldTypeCompatibility,
  mappingRunsIn,
  type ValidateMappingsOptions,
  validateMappings,
} from './validate.js';
