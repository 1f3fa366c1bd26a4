/**
 * The default ClientStore on the embedded host tables (or a host's own tables renamed through `schema`).
 */

export { nameKey, normalizeEmail, normalizePhone } from './keys.js';
export type { KyselyClientStore, KyselyClientStoreOptions } from './kysely-client-store.js';
export { createKyselyClientStore } from './kysely-client-store.js';
