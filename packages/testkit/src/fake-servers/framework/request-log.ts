/**
 * The request log of a fake server, for assertions: what was asked, what was answered, and under which key —
 * as a fingerprint, never the key itself.
 */
import { createHash } from 'node:crypto';
import type { FaultKind } from './faults.js';

/** One request as the fake server saw it. */
export interface RequestLogEntry {
  /** Position in the log, from 1. */
  readonly sequence: number;
  /** When the request arrived (ISO 8601). */
  readonly time: string;
  readonly method: string;
  /** Path below the server's base path, e.g. `/address-book/01h35ccwymj5ctckp8px1azhg6`. */
  readonly path: string;
  /** Query parameters; a repeated parameter becomes an array. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** The status answered, or null when the connection was reset. */
  readonly status: number | null;
  readonly durationMs: number;
  /** Fingerprint of the presented API key (`key_` + 12 hex digits), or null when none was presented. */
  readonly keyId: string | null;
  /** The fault injected, if any (latency is reported only when no other fault was). */
  readonly fault: FaultKind | null;
}

/** A stable, non-reversible id of an API key for logs: `key_` and 12 hex digits of its SHA-256. */
export function keyFingerprint(key: string): string {
  return `key_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** Matches entries by any of their fields; `path` may be a RegExp. */
export interface RequestLogFilter {
  readonly method?: string;
  readonly path?: string | RegExp;
  readonly status?: number | null;
  readonly keyId?: string | null;
  readonly fault?: FaultKind | null;
}

/** An append-only log of requests. */
export class RequestLog {
  private readonly log: RequestLogEntry[] = [];
  private sequence = 0;

  /** Number of entries. */
  get size(): number {
    return this.log.length;
  }

  /** The entries (a copy), optionally only those matching `filter`. */
  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.log.filter((entry) => {
      if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
      if (filter.path instanceof RegExp && !filter.path.test(entry.path)) return false;
      if (typeof filter.path === 'string' && entry.path !== filter.path) return false;
      if (filter.status !== undefined && entry.status !== filter.status) return false;
      if (filter.keyId !== undefined && entry.keyId !== filter.keyId) return false;
      if (filter.fault !== undefined && entry.fault !== filter.fault) return false;
      return true;
    });
  }

  /** The latest entry. */
  last(): RequestLogEntry | undefined {
    return this.log[this.log.length - 1];
  }

  /** Empties the log (sequence numbers continue). */
  clear(): void {
    this.log.length = 0;
  }

  /** Appends an entry (the server calls this). */
  record(entry: Omit<RequestLogEntry, 'sequence'>): RequestLogEntry {
    const complete = { ...entry, sequence: ++this.sequence };
    this.log.push(complete);
    return complete;
  }
}
