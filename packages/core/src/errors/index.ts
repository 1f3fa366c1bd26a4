/**
 * The CrmError family. Every error the hub throws is a CrmError: it has a stable `code`, a message
 * that says what happened and where, a `context` object a caller can act on, and the original
 * error as `cause`. Context never holds secrets: build it from ids, names and shapes, not values.
 */

const marker = Symbol.for('@wedsync/crm-core/CrmError');

/** Machine-readable error codes. */
export type CrmErrorCode =
  | 'invalid_argument'
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'tier_limit_exceeded'
  | 'job_already_active'
  | 'unsupported_capability'
  | 'mapping_invalid'
  | 'credential_invalid'
  | 'storage_failed'
  | 'provider_api_failed';

export interface CrmErrorOptions {
  /** Facts a caller can act on (ids, names, counts). Never secrets. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The error that caused this one. */
  readonly cause?: unknown;
}

/** The base of every error the hub throws. */
export class CrmError extends Error {
  readonly code: CrmErrorCode;
  readonly context: Readonly<Record<string, unknown>>;
  /** Brand read by `isInstance` (public so copies of this package recognise each other). */
  readonly [marker] = true;

  constructor(code: CrmErrorCode, message: string, options: CrmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrmError';
    this.code = code;
    this.context = options.context ?? {};
  }

  /** True for a CrmError from any copy of this package (instanceof fails across copies). */
  static isInstance(value: unknown): value is CrmError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/** An argument or option the caller passed is not acceptable. */
export class InvalidArgumentError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('invalid_argument', message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** One issue found while validating data against a schema. */
export interface ValidationIssue {
  /** Where: a dotted path into the value, '' for the value itself. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

/** User data (a request body, a record, a config) failed validation. Not a transport error. */
export class ValidationError extends CrmError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, options: CrmErrorOptions & { issues: readonly ValidationIssue[] }) {
    super('validation_failed', message, options);
    this.name = 'ValidationError';
    this.issues = options.issues;
  }
}

/** A record the caller named does not exist (or is not visible to the caller's supplier). */
export class NotFoundError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('not_found', message, options);
    this.name = 'NotFoundError';
  }
}

/** A write would break a uniqueness rule or a state rule. */
export class ConflictError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** The supplier's tier allows no more integrations. */
export class TierLimitError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('tier_limit_exceeded', message, options);
    this.name = 'TierLimitError';
  }
}

/** Another job is already pending or running for this integration. */
export class JobAlreadyActiveError extends CrmError {
  readonly activeJobId: string;

  constructor(message: string, options: CrmErrorOptions & { activeJobId: string }) {
    super('job_already_active', message, options);
    this.name = 'JobAlreadyActiveError';
    this.activeJobId = options.activeJobId;
  }
}

/** A provider or store lacks an optional capability the operation needs. Reported, never faked. */
export class UnsupportedCapabilityError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('unsupported_capability', message, options);
    this.name = 'UnsupportedCapabilityError';
  }
}

/** A field mapping or transform rule is not valid. */
export class MappingError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('mapping_invalid', message, options);
    this.name = 'MappingError';
  }
}

/** A ciphertext could not be opened: tampered, foreign, or its key is unknown. */
export class CredentialError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('credential_invalid', message, options);
    this.name = 'CredentialError';
  }
}

/** The storage backend failed; `cause` holds the driver's error. */
export class StorageError extends CrmError {
  constructor(message: string, options: CrmErrorOptions = {}) {
    super('storage_failed', message, options);
    this.name = 'StorageError';
  }
}
