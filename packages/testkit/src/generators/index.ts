/**
 * Deterministic, realistic wedding-studio data for tests, demos and benchmarks (vendor-neutral: each fake CRM
 * converts it into its own API shapes).
 */
export { createManifestCollector, createStudioGenerator, generateStudio, resolveStudioOptions } from './studio.js';
export type { ManifestCollector, StudioGenerator } from './studio.js';
export { typedVariants } from './phones.js';
export { deterministicUlid, ulidPattern, ulidTime } from './ulid.js';
export type * from './types.js';
