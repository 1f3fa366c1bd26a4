/**
 * A query log of the hub's database: every statement's duration, as kysely's `log` reports it, summed by the
 * statement's shape (its SQL with parameters and value lists folded, never the values themselves, so no record
 * data and no secret reaches the report). `bench import --query-log` prints it under `query_log`.
 */
import type { LogEvent } from 'kysely';
import { roundTo } from './measure.js';

/** One shape of statement in a {@link QueryLogSummary}. */
export interface QueryLogEntry {
  /** The SQL with parameters as `?` and lists of them as `(…)`, cut at 160 characters. */
  readonly statement: string;
  readonly count: number;
  readonly seconds: number;
}

/** What the query log of one phase says. */
export interface QueryLogSummary {
  readonly statements: number;
  /** Seconds the database took, all statements together (the caller waited for each). */
  readonly seconds: number;
  /** Statements that failed (an expected conflict is a failure too). */
  readonly errors: number;
  /** The shapes that took longest, longest first. */
  readonly top: readonly QueryLogEntry[];
}

/** A query log being kept. */
export interface QueryLog {
  /** Kysely's `log` option: pass it to the database's constructor. */
  readonly log: (event: LogEvent) => void;
  /** Starts again from nothing (e.g. after the database was set up). */
  reset(): void;
  /** The statements so far, by shape; the `limit` longest. */
  summary(limit?: number): QueryLogSummary;
}

const longestStatement = 160;

/** The shape of a statement: parameters and lists of them folded, spaces collapsed. */
export function statementShape(sql: string): string {
  const shape = sql
    .replace(/\s+/g, ' ')
    .replace(/\$\d+/g, '?')
    .replace(/\((?:\s*\?\s*,)*\s*\?\s*\)(?:\s*,\s*\((?:\s*\?\s*,)*\s*\?\s*\))*/g, '(…)')
    .trim();
  return shape.length > longestStatement ? `${shape.slice(0, longestStatement - 1)}…` : shape;
}

/** Starts a query log. */
export function createQueryLog(): QueryLog {
  let byShape = new Map<string, { count: number; milliseconds: number }>();
  let errors = 0;
  return {
    log(event) {
      if (event.level === 'error') errors += 1;
      const shape = statementShape(event.query.sql);
      const entry = byShape.get(shape);
      if (entry === undefined) byShape.set(shape, { count: 1, milliseconds: event.queryDurationMillis });
      else {
        entry.count += 1;
        entry.milliseconds += event.queryDurationMillis;
      }
    },
    reset() {
      byShape = new Map();
      errors = 0;
    },
    summary(limit = 25) {
      const entries = [...byShape].map(([statement, { count, milliseconds }]) => ({
        statement,
        count,
        seconds: milliseconds / 1000,
      }));
      entries.sort((left, right) => right.seconds - left.seconds);
      return {
        statements: entries.reduce((sum, entry) => sum + entry.count, 0),
        seconds: roundTo(
          entries.reduce((sum, entry) => sum + entry.seconds, 0),
          3,
        ),
        errors,
        top: entries.slice(0, limit).map((entry) => ({ ...entry, seconds: roundTo(entry.seconds, 3) })),
      };
    },
  };
}
