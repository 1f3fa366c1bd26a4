/**
 * The field-mapping engine: field paths, coercion per field_type, transform rules, compile, validate.
 *
 * - `compileMappings(mappings, { direction, ... })` -> a RecordMapper, built once per job.
 * - `validateMappings(mappings, { wedsyncFields, crmFields })` -> FieldMappingError rows.
 * - `parseTransformRules` / `safeParseTransformRules` read the `transform_rules` grammar (see `rules.ts`).
 * - Paths (`jobs.0.event_date`, `customFields[fieldId=01abc].value`) are described in `paths.ts`.
 * - Text and JSON every database stores as sent (`isStorableText`, `storableCopy`) are described in `storable.ts`.
 */
export { emailMatchKey, type PhoneValidation } from './coerce.js';
export {
  type CompileMappingsOptions,
  compileMappings,
  type MappingDirection,
  type MappingResult,
  type MapRecordContext,
  type RecordMapper,
} from './compile.js';
export { type DateOrder, dateOrders } from './dates.js';
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
  type ParsedTransformRules,
  type PhoneFormat,
  parseTransformRules,
  phoneFormats,
  type RuleProblem,
  safeParseTransformRules,
  TransformRulesGrammarSchema,
  type TransformStep,
  TransformStepSchema,
  type TransformStepType,
  transformStepTypes,
} from './rules.js';
export {
  isStorableText,
  nestingExceeds,
  nestingMarker,
  replacementCharacter,
  type StorableCopy,
  type StorableCopyOptions,
  storableCopy,
  storableText,
  unstorableTextReason,
} from './storable.js';
export {
  type FieldErrorCode,
  type FieldValueError,
  isAbsent,
  kindOf,
  type UnreadableRecordNote,
  unreadableRecordKey,
} from './types.js';
export {
  fieldTypeCompatibility,
  mappingRunsIn,
  type ValidateMappingsOptions,
  validateMappings,
} from './validate.js';
