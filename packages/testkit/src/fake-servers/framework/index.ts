/** The fake-server framework: what every fake CRM is built on. */

export type { FaultDecision, FaultKind, FaultOptions, FaultSettings } from './faults.js';
export { FaultInjector } from './faults.js';
export type { RateLimitDecision, RateLimitOptions } from './rate-limiter.js';
export { SlidingWindowRateLimiter } from './rate-limiter.js';
export type { RequestLogEntry, RequestLogFilter } from './request-log.js';
export { keyFingerprint, RequestLog } from './request-log.js';
export type {
  FakeServer,
  FakeServerEnv,
  FakeServerOptions,
  FakeServerResponses,
  RunningFakeServer,
} from './server.js';
export { createFakeServer } from './server.js';
