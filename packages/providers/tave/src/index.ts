/**
 * @wedsync/crm-tave — the Tave (VSCO Workspace API v2) provider of the WedSync CRM Integration Hub.
 *
 * ```ts
 * import { createTave } from '@wedsync/crm-tave';
 * const tave = createTave({ pageSize: 100 });
 * ```
 */

export { taveDocumentationUrl } from './api/client.js';
export { taveFieldCatalog } from './catalog.js';
export { taveDefaultMappings } from './mappings.js';
export { createTave, taveFeatures } from './provider.js';
export type { TaveClientJob, TaveMoneyValue } from './read/clients.js';
export type {
  TaveCustomFieldEnrichment,
  TaveCustomFieldEntry,
  TaveResolvedCustomField,
} from './read/custom-fields.js';
export { taveApiKeyCredential, validateTaveCredentials } from './session.js';
export { type TaveMoneyUnit, type TaveSettings, taveDefaultBaseUrl } from './settings.js';
export {
  externalMappingIdOf,
  outcomeUnknown,
  type TaveFindOptions,
  TaveJobInputSchema,
  TavePersonInputSchema,
  taveWritableRecordTypes,
} from './write/index.js';
