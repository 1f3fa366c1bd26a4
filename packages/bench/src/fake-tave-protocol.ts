/**
 * The messages between a benchmark and the fake Tave it runs in a child process (over the fork's IPC channel).
 * The parent sends one `start`, then commands with ids; the child answers each command with a `result` or an
 * `error` of the same id.
 */
import type { RateLimitOptions, StudioCounts } from '@wedsync/crm-testkit/servers';

/** How the child starts the fake Tave. */
export interface FakeTaveStartOptions {
  /** The API key the fake accepts. */
  readonly apiKey: string;
  /** Clients of the generated studio. */
  readonly clients: number;
  /** Seed of the generated studio. */
  readonly seed: number;
  /** Planted bad records (the generator's `badRecords`). @default 0 */
  readonly badRecords?: number;
  /** The fake's own 429 limits; none when absent (limits off). */
  readonly rateLimits?: RateLimitOptions;
}

/** Parent -> child: start the fake. */
export interface StartMessage {
  readonly type: 'start';
  readonly options: FakeTaveStartOptions;
}

/** What the request log says, as counts (the log itself stays in the child). */
export interface RequestStats {
  /** Requests the fake received (every status). */
  readonly requests: number;
  /** Requests per answered status (`null` for a reset connection). */
  readonly statuses: Readonly<Record<string, number>>;
  /** The most requests that arrived in any window of `windowMs` milliseconds. */
  readonly maxInWindow: number;
  /** The window of `maxInWindow`, in milliseconds. */
  readonly windowMs: number;
  /** Milliseconds from the first request to the last (0 without requests). */
  readonly spanMs: number;
  /** Milliseconds the server spent answering, all requests together (its log's `durationMs`). */
  readonly busyMs: number;
  /** Requests per resource (the first segment of the path: `address-book`, `job`, `job-contact`...). */
  readonly resources: Readonly<Record<string, number>>;
}

/** Parent -> child: a command. */
export type CommandMessage =
  | {
      readonly type: 'mutate-clients';
      readonly id: number;
      /** Share of the studio's client contacts to change, in percent. */
      readonly percent: number;
    }
  | { readonly type: 'request-stats'; readonly id: number; readonly windowMs: number }
  | { readonly type: 'clear-request-log'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** Child -> parent. */
export type ChildMessage =
  | {
      readonly type: 'ready';
      readonly url: string;
      readonly counts: StudioCounts;
      /** Seconds the child took to generate the studio and start listening. */
      readonly startSeconds: number;
      /** The child's RSS once listening, in bytes (the generated studio's footprint). */
      readonly rssBytes: number;
    }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number | null; readonly message: string };

/** The answer of `mutate-clients`. */
export interface MutateResult {
  /** Client contacts changed. */
  readonly changed: number;
  /** Client contacts in the studio. */
  readonly clients: number;
  /** Ids of the changed contacts. */
  readonly ids: readonly string[];
}
