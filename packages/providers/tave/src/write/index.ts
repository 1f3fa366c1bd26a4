/** Tave writes: `write` and `findExisting` of a session (see `write.ts` and `find.ts`). */
export { clientContactIdOf, externalMappingIdOf, toPhoneInput } from './bodies.js';
export { type FindContext, findExistingRecord, type TaveFindOptions } from './find.js';
export {
  TaveJobInputSchema,
  TavePersonInputSchema,
  TavePhoneInputSchema,
} from './schemas.js';
export {
  checkWrite,
  outcomeUnknown,
  taveWritableRecordTypes,
  type WriteContext,
  writeChanges,
} from './write.js';
