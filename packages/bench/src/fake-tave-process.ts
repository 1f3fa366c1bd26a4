/**
 * Runs the fake Tave in a child process (`child_process.fork` of the built `fake-tave-child.js`) and talks to
 * it over IPC: the benchmark's process then holds only the hub, so its CPU time and peak RSS are the hub's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { CrmError, type CrmErrorOptions } from '@wedsync/crm-core';
import type { StudioCounts } from '@wedsync/crm-testkit/servers';
import { builtEntry } from './entries.js';
import type {
  ChildMessage,
  CommandMessage,
  FakeTaveStartOptions,
  MutateResult,
  RequestStats,
} from './fake-tave-protocol.js';

/** The fake Tave's process failed, exited, or answered a command with an error. */
export class FakeServerProcessError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    // The fake stands in for the CRM's API: its failures are the provider API's.
    super('provider_api_failed', message, options);
    this.name = 'FakeServerProcessError';
  }
}

/** A fake Tave running in its own process. */
export interface FakeTaveProcess {
  /** `http://127.0.0.1:PORT/api/v2`. */
  readonly url: string;
  /** The generated studio's totals. */
  readonly counts: StudioCounts;
  /** Seconds the child took to generate the studio and listen. */
  readonly startSeconds: number;
  /** The child's RSS once listening, in MB. */
  readonly rssMb: number;
  /** The child's process id. */
  readonly pid: number | undefined;
  /** Changes `percent` % of the studio's client contacts (each bumps its `modified`). */
  mutateClients(percent: number): Promise<MutateResult>;
  /** The request log as counts, with the most requests in any `windowMs` (default 60 s). */
  requestStats(windowMs?: number): Promise<RequestStats>;
  /** Empties the request log. */
  clearRequestLog(): Promise<void>;
  /** Closes the server and waits for the child to exit. */
  close(): Promise<void>;
}

/** Options of {@link startFakeTaveProcess}. */
export interface FakeTaveProcessOptions extends FakeTaveStartOptions {
  /** V8 heap limit of the child in MiB (large studios need more than the default). */
  readonly maxOldSpaceMb?: number;
}

/** Forks the fake Tave child, starts the studio in it and resolves once it listens. */
export async function startFakeTaveProcess(options: FakeTaveProcessOptions): Promise<FakeTaveProcess> {
  const { maxOldSpaceMb, ...startOptions } = options;
  const child: ChildProcess = fork(builtEntry('fake-tave-child.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: maxOldSpaceMb === undefined ? [] : [`--max-old-space-size=${maxOldSpaceMb}`],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  let ready: ((message: Extract<ChildMessage, { type: 'ready' }>) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    failed?.(error);
  };
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') {
      ready?.(message);
      return;
    }
    if (message.type === 'error' && message.id === null) {
      failed?.(new FakeServerProcessError(`The fake Tave failed to start: ${message.message}`));
      return;
    }
    if (message.id === null) return;
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.type === 'result') waiting.resolve(message.value);
    else waiting.reject(new FakeServerProcessError(`The fake Tave failed: ${message.message}`));
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      failAll(
        new FakeServerProcessError('The fake Tave process exited', {
          context: { code, signal: signal ?? null },
        }),
      );
      resolve();
    });
  });
  child.on('error', (error) =>
    failAll(new FakeServerProcessError('The fake Tave process failed', { cause: error })),
  );

  const readyMessage = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    ready = resolve;
    failed = reject;
    child.send({ type: 'start', options: startOptions });
  });
  failed = undefined;

  type Command = CommandMessage extends infer Message
    ? Message extends CommandMessage
      ? Omit<Message, 'id'>
      : never
    : never;
  const call = <T>(message: Command): Promise<T> => {
    if (exited) return Promise.reject(new FakeServerProcessError('The fake Tave process has exited'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...message, id });
    });
  };

  return {
    url: readyMessage.url,
    counts: readyMessage.counts,
    startSeconds: readyMessage.startSeconds,
    rssMb: Math.round(readyMessage.rssBytes / 1024 / 102.4) / 10,
    pid: child.pid,
    mutateClients: (percent) => call<MutateResult>({ type: 'mutate-clients', percent }),
    requestStats: (windowMs = 60_000) => call<RequestStats>({ type: 'request-stats', windowMs }),
    clearRequestLog: () => call<void>({ type: 'clear-request-log' }),
    async close() {
      if (exited) return;
      await call<void>({ type: 'close' }).catch(() => undefined);
      if (!exited) child.disconnect();
      await exitPromise;
    },
  };
}
