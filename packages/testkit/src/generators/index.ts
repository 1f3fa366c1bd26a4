/**
 * Deterministic, realistic wedding-studio data for tests, demos and benchmarks (vendor-neutral: each fake CRM
 * converts it into its own API shapes).
 */

export { typedVariants } from './phones.js';
export type { ManifestCollector, StudioGenerator } from './studio.js';
export {
  createManifestCollector,
  createStudioGenerator,
  generateStudio,
  resolveStudioOptions,
} from './studio.js';
export type {
  BadRecordCounts,
  BadRecordKind,
  CultureId,
  CustomFieldKind,
  DuplicateCounts,
  DuplicateKind,
  EventTypeKey,
  GeneratedStudio,
  JobRoleKey,
  JobStage,
  JobTypeKey,
  ManifestBadRecord,
  ManifestDuplicate,
  ManifestEdgeCase,
  PersonRole,
  ResolvedStudioOptions,
  StudioAddress,
  StudioClientBundle,
  StudioClosedReason,
  StudioCompany,
  StudioCounts,
  StudioCustomField,
  StudioCustomFieldValue,
  StudioDateFormat,
  StudioEvent,
  StudioEventType,
  StudioInvoice,
  StudioJob,
  StudioJobContact,
  StudioJobRole,
  StudioJobType,
  StudioLeadSource,
  StudioLeadStatus,
  StudioLineItem,
  StudioManifest,
  StudioNote,
  StudioOptions,
  StudioOrder,
  StudioPayment,
  StudioPerson,
  StudioPhone,
  StudioReference,
  StudioSettings,
  StudioStaff,
  StudioVenue,
} from './types.js';
export { ulidPattern, ulidTime } from './ulid.js';
