/**
 * @wedsync/crm-testkit/servers — fake CRM servers on loopback (rate limits, fault injection, request log,
 * mutable state) and the deterministic wedding-studio generator behind them. Imports no vitest, so demos and
 * benchmarks can use it. Both folders' index files list their public names explicitly.
 */
export * from './fake-servers/index.js';
export * from './generators/index.js';
