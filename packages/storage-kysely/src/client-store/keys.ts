/**
 * Dedupe key normalisation. The store applies these on write (to the indexed key columns and the
 * `client_match_keys` table) and again to lookup keys; the sync engine builds its lookup keys with the same
 * functions. They live in core (`sync/keys.ts`), so there is one implementation; this module re-exports them.
 */
export { foldName, type NameParts, nameKey, normalizeEmail, normalizePhone } from '@wedsync/crm-core';
