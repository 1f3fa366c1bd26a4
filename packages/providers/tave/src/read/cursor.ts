/**
 * Read cursors. A cursor names the collection walk it resumes and the page to resume at:
 * `job:page:4`, or `job:modified:page:2` for an incremental walk (sorted by `modified desc`). A client read
 * yields pages of its `address-book` walk only (its pre-pass over job contacts, jobs and partners yields
 * nothing), so its cursors are `address-book:page:N`: resuming one runs the pre-pass again, then continues at
 * page N.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';

/** The collection walk a cursor belongs to. */
export type TaveCursorPhase = 'address-book' | 'job' | 'event' | 'order' | 'payment';

/** A cursor of `phase` resuming at the page numbered `page` (provider-kit's page-number cursor). */
export function formatTaveCursor(
  phase: TaveCursorPhase,
  page: string | null,
  incremental: boolean,
): string | null {
  if (page === null) return null;
  return `${phase}:${incremental ? 'modified:' : ''}page:${page}`;
}

/**
 * The page number (as text) a cursor resumes at, or null to start from the first page.
 * @throws InvalidArgumentError when the cursor is not one of this walk's.
 */
export function parseTaveCursor(
  cursor: string | null | undefined,
  phase: TaveCursorPhase,
  incremental: boolean,
): string | null {
  if (cursor === undefined || cursor === null) return null;
  const expected = `${phase}:${incremental ? 'modified:' : ''}page:`;
  if (typeof cursor === 'string' && cursor.startsWith(expected)) {
    const page = cursor.slice(expected.length);
    if (/^[1-9]\d{0,8}$/.test(page)) return page;
  }
  const shown = typeof cursor === 'string' ? cursor.slice(0, 60) : String(cursor);
  throw new InvalidArgumentError(
    `Expected \`cursor\` to be a cursor of this read (\`${expected}<page>\`${incremental ? ', as the read has `since`' : ''}), got \`${shown}\` (${typeof cursor})`,
    { context: { option: 'cursor', phase, incremental } },
  );
}
