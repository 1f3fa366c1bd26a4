export {
  chosenValue,
  type ResolveConflictEnvironment,
  type ResolveConflictResult,
  resolveFieldConflict,
} from './conflicts.js';
export {
  addCount,
  countOutcome,
  initialCounts,
  type RecordOutcomeKind,
  recordOutcomeKinds,
  type SkippedTypeReason,
} from './counts.js';
export {
  type CandidateMatch,
  type ClientKeys,
  type ClientMatch,
  clientKeys,
  compareClients,
  type DedupeCandidateKeys,
  type DedupeDecision,
  type DedupeEvidence,
  decideMatch,
  dedupeLookup,
  type MatchCertainty,
  type PersonKeys,
  personKeys,
} from './dedupe.js';
export {
  type DeletionSweep,
  type DeletionSweepOptions,
  defaultDeletionPageSize,
  defaultDeletionThreshold,
  deletionThresholdOf,
  fullyReadRecordTypes,
  sweepDeletions,
  wholeRecordTypeLogId,
} from './deletions.js';
export {
  createHubEvents,
  type HubEventEmitter,
  type HubEventListener,
  type HubEventMap,
  type HubEventName,
  type HubEvents,
  type JobFinishedEvent,
  type JobParkedEvent,
  type JobQueuedEvent,
  type JobStartedEvent,
  type ProgressEvent,
} from './events.js';
export {
  assertCanExport,
  type ExportCheckpoint,
  ExportCheckpointSchema,
  type ExportOptions,
  type ExportPhase,
  type ExportResult,
  type ExportWatermark,
  exportableRecordTypes,
  exportCheckpointOf,
  exportPhaseCounts,
  lastExportWatermark,
  outcomeUnknownError,
  planExport,
  runExport,
  startingExportCheckpoint,
  toCrmCountPrefix,
} from './export.js';
export {
  type ImportCheckpoint,
  ImportCheckpointSchema,
  type ImportMappingOptions,
  importMappingOptionNames,
} from './full-import.js';
export { contentHash, stableStringify } from './hash.js';
export {
  advanceWatermark,
  findPreviousImport,
  incrementalCheckpoint,
  type PreviousImport,
  watermarkMarginMs,
} from './incremental.js';
export {
  foldName,
  maxNameKeyBytes,
  type NameParts,
  nameKey,
  normalizeEmail,
  normalizePhone,
} from './keys.js';
export {
  type MergeConflict,
  type MergeDecision,
  type MergeInput,
  type MergeResult,
  mergeRecord,
  sameTextLoosely,
} from './merge.js';
export {
  groupMappingsByRecordType,
  type IndexedMapping,
  importOrder,
  providerDefaultMappings,
  qualifiedCrmFields,
  qualifiedWedsyncFields,
  qualifyWedsyncField,
  readableRecordTypes,
  recordTypeOfWedsyncField,
  unqualifyWedsyncField,
  validateMappingsByRecordType,
} from './record-types.js';
export {
  connectionSettingsCheckpointKey,
  createStagedSession,
  defaultStagedPageSize,
  type FieldMappingUpdateCheckpoint,
  FieldMappingUpdateCheckpointSchema,
  type FieldMappingUpdateOptions,
  type FieldMappingUpdatePlan,
  type FieldMappingUpdateSkipReason,
  fieldMappingUpdateSkipReasons,
  findStoredConnectionSettings,
  planFieldMappingUpdate,
  runFieldMappingUpdate,
  type StagedSessionOptions,
  stagedRecord,
  startingFieldMappingUpdateCheckpoint,
} from './remap.js';
export {
  buildSyncReport,
  type SyncReport,
  type SyncReportDirection,
  type SyncReportEntry,
} from './report.js';
export {
  type ChangedRecord,
  type RollbackChangeReason,
  type RollbackEnvironment,
  type RollbackJobOptions,
  type RollbackJobResult,
  rollbackChunkSize,
  rollbackSyncJob,
} from './rollback.js';
export {
  isAuthFailure,
  type JobRunOutcome,
  type JobRunStatus,
  type RunJobOptions,
  runnableJobTypes,
} from './run-job.js';
export {
  createJobScratch,
  createMemoryScratch,
  defaultScratchMemoryValues,
  type JobScratchOptions,
  type MemoryScratch,
} from './scratch.js';
export { runTwoWaySync, type TwoWaySyncResult, type TwoWaySyncStart } from './two-way.js';
