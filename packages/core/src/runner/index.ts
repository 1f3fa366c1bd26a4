export { createInProcessRunner, type InProcessRunner, type InProcessRunnerOptions } from './in-process.js';
export { createSyncScheduler, type SyncScheduler, type SyncSchedulerOptions } from './scheduler.js';
