/**
 * The hub's events: a tiny typed emitter a host subscribes to (`hub.on('progress', listener)`), e.g. to push
 * progress to a browser. Events carry ids and counts only — never record data, credentials or error messages
 * that could quote them. A listener that throws is reported to the hub's logger and never breaks a sync.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { RecordType } from '../model/canonical.js';
import type { JobType, LastSyncStatus } from '../model/enums.js';
import type { SyncJobCounts } from '../spec/hub-storage.js';

/** A job was created (by a trigger or the scheduler) and waits for a runner. */
export interface JobQueuedEvent {
  readonly jobId: string;
  readonly integrationId: string;
  readonly jobType: JobType;
  /** `request`: a caller triggered it; `schedule`: the scheduler found the integration due. */
  readonly trigger: 'request' | 'schedule';
}

/** A runner started (or resumed) a job. */
export interface JobStartedEvent {
  readonly jobId: string;
  readonly integrationId: string;
  readonly jobType: JobType;
  /** 1 on the first run; more when the job resumes after a crash or a graceful stop. */
  readonly attempt: number;
  readonly resumed: boolean;
}

/** A page of a job committed. Emitted at most once per page, after its transaction. */
export interface ProgressEvent {
  readonly jobId: string;
  readonly integrationId: string;
  /** The record type of the page. */
  readonly recordType: RecordType;
  readonly progressPercent: number;
  readonly recordsProcessed: number;
  /** Known when the CRM reports totals. */
  readonly recordsTotal: number | null;
  readonly counts: Readonly<SyncJobCounts>;
}

/** A job stopped after a committed page and released its lease, to be resumed by any runner. */
export interface JobParkedEvent {
  readonly jobId: string;
  readonly integrationId: string;
  readonly recordsProcessed: number;
}

/** A job ended. */
export interface JobFinishedEvent {
  readonly jobId: string;
  readonly integrationId: string;
  readonly jobStatus: 'completed' | 'failed' | 'cancelled';
  readonly resultStatus: LastSyncStatus | null;
  readonly counts: Readonly<SyncJobCounts>;
}

/** Every event of the hub, by name. */
export interface HubEventMap {
  jobQueued: JobQueuedEvent;
  jobStarted: JobStartedEvent;
  progress: ProgressEvent;
  jobParked: JobParkedEvent;
  jobFinished: JobFinishedEvent;
}

/** Names of the hub's events. */
export type HubEventName = keyof HubEventMap;

/** A listener of one event. */
export type HubEventListener<Name extends HubEventName> = (event: HubEventMap[Name]) => void;

/** Subscribing to the hub's events. */
export interface HubEvents {
  /** Adds a listener; returns a function that removes it. */
  on<Name extends HubEventName>(name: Name, listener: HubEventListener<Name>): () => void;
  /** Removes a listener added with `on`. */
  off<Name extends HubEventName>(name: Name, listener: HubEventListener<Name>): void;
}

/** The emitting side, kept by the hub. */
export interface HubEventEmitter extends HubEvents {
  emit<Name extends HubEventName>(name: Name, event: HubEventMap[Name]): void;
}

const eventNames: readonly HubEventName[] = [
  'jobQueued',
  'jobStarted',
  'progress',
  'jobParked',
  'jobFinished',
];

/**
 * Creates the emitter. `onListenerError` receives what a listener threw (the hub logs its name, never the
 * event's data).
 */
export function createHubEvents(options: {
  readonly onListenerError: (name: HubEventName, error: unknown) => void;
}): HubEventEmitter {
  const listeners = new Map<HubEventName, Set<(event: never) => void>>();
  const check = (name: unknown, listener: unknown): void => {
    if (!eventNames.includes(name as HubEventName)) {
      throw new InvalidArgumentError(
        `Expected an event name (${eventNames.join(', ')}), got \`${String(name)}\` (${typeof name})`,
      );
    }
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(`Expected \`listener\` to be a function, got ${typeof listener}`);
    }
  };
  return {
    on(name, listener) {
      check(name, listener);
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (event: never) => void);
      listeners.set(name, set);
      return () => this.off(name, listener);
    },
    off(name, listener) {
      listeners.get(name)?.delete(listener as (event: never) => void);
    },
    emit(name, event) {
      for (const listener of [...(listeners.get(name) ?? [])]) {
        try {
          (listener as (value: typeof event) => void)(event);
        } catch (error) {
          options.onListenerError(name, error);
        }
      }
    },
  };
}
