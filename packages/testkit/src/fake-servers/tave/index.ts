/** The fake VSCO Workspace (Tave) API v2. */

export type { TaveConverter } from './convert.js';
export { createTaveConverter, toTaveDataset, toTavePhone } from './convert.js';
export type { FakeTave, FakeTaveOptions, RunningFakeTave, WebhookDelivery, WebhookLog } from './start.js';
export { createFakeTave, startFakeTave, taveBasePath } from './start.js';
export type { TaveCreatedListener, TaveDraft, TaveStateOptions } from './state.js';
export { RecordCollection, TaveState } from './state.js';
export { taveTimestamp, toTaveTimestamp } from './time.js';
export type {
  TaveAddress,
  TaveCollection,
  TaveCompany,
  TaveContact,
  TaveContactCommon,
  TaveCustomField,
  TaveCustomFieldValue,
  TaveDataset,
  TaveEmployee,
  TaveError,
  TaveEvent,
  TaveEventType,
  TaveExternalMapping,
  TaveInvoice,
  TaveJob,
  TaveJobClosedReason,
  TaveJobContact,
  TaveJobRole,
  TaveJobType,
  TaveLeadSource,
  TaveLeadStatus,
  TaveLocation,
  TaveNote,
  TaveOrder,
  TaveOrderItem,
  TavePayment,
  TavePaymentAllocation,
  TavePaymentMethod,
  TavePerson,
  TavePhone,
  TaveRecords,
  TaveResource,
  TaveRestHook,
  TaveStudio,
  TaveTimezone,
  TaveValidationError,
} from './types.js';
