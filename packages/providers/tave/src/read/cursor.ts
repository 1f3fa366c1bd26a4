/**
 * Read cursors. A cursor names the collection walk it resumes and the page to resume at:
 * `job:page:4`, or `job:modified:page:2` for an incremental walk (sorted by `modified desc`). A client read
 * yields pages of its `address-book` walk only (its pre-pass over job contacts and jobs yields nothing), so its
 * cursors are `address-book:page:N`, or `address-book:page:N:waiting:<id>,<id>` when the last clients of page
 * N-1 wait for a partner on page N (they are yielded with page N): resuming runs the pre-pass again, looks the
 * waiting clients up by id, then continues at page N.
 *
 * Incremental reads that yield records found through other collections resume differently: an incremental client
 * read yields its clients in id order, so its cursors are `address-book:modified:after:<id>` (resuming works out
 * the changes again and skips every client up to that id); an incremental project read ends with the jobs whose
 * job contacts changed, and `job:modified:linked` resumes there.
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

/** Where a full client read resumes: the page, and the clients of the page before it that wait for a partner. */
export interface ClientResumePoint {
  readonly page: string | null;
  readonly waiting: readonly string[];
}

/** The most clients a client cursor carries as waiting (more are settled by lookups instead). */
export const maxWaitingClients = 10;

const idPattern = /^[0-9A-Za-z]{1,64}$/;

/** `address-book:page:N`, with `:waiting:<ids>` when clients wait for a partner on page N. */
export function formatClientCursor(page: string | null, waiting: readonly string[]): string | null {
  const cursor = formatTaveCursor('address-book', page, false);
  return cursor === null || waiting.length === 0 ? cursor : `${cursor}:waiting:${waiting.join(',')}`;
}

/**
 * Where a full client read resumes.
 * @throws InvalidArgumentError when the cursor is not one of this read's.
 */
export function parseClientCursor(cursor: string | null | undefined): ClientResumePoint {
  if (typeof cursor === 'string') {
    const at = cursor.indexOf(':waiting:');
    if (at !== -1) {
      const waiting = cursor.slice(at + ':waiting:'.length).split(',');
      const page = parseTaveCursor(cursor.slice(0, at), 'address-book', false);
      if (waiting.length <= maxWaitingClients && waiting.every((id) => idPattern.test(id))) {
        return { page, waiting };
      }
      throw new InvalidArgumentError(
        `Expected \`cursor\` to name at most ${maxWaitingClients} waiting clients by id (\`address-book:page:<page>:waiting:<id>,<id>\`), got \`${cursor.slice(0, 60)}\``,
        { context: { option: 'cursor', phase: 'address-book', incremental: false } },
      );
    }
  }
  return { page: parseTaveCursor(cursor, 'address-book', false), waiting: [] };
}

/** Where an incremental read resumes. */
export type TaveResumePoint =
  | { readonly kind: 'start' }
  | { readonly kind: 'page'; readonly page: string }
  | { readonly kind: 'after'; readonly id: string }
  | { readonly kind: 'linked' };

/** The forms of cursor an incremental read accepts. */
export type TaveResumeForm = 'page' | 'after' | 'linked';

/** `address-book:modified:after:<id>`: resume after the record `id` of a read yielding records in id order. */
export function formatAfterCursor(phase: TaveCursorPhase, id: string): string {
  return `${phase}:modified:after:${id}`;
}

/** `job:modified:linked`: resume at the records found through changed job contacts. */
export function formatLinkedCursor(phase: TaveCursorPhase): string {
  return `${phase}:modified:linked`;
}

const templates: Readonly<Record<TaveResumeForm, string>> = {
  page: 'page:<page>',
  after: 'after:<id>',
  linked: 'linked',
};

/**
 * Where an incremental read (one with `since`) resumes, from a cursor of one of `forms`.
 * @throws InvalidArgumentError when the cursor is not one of this read's.
 */
export function parseIncrementalCursor(
  cursor: string | null | undefined,
  phase: TaveCursorPhase,
  forms: readonly TaveResumeForm[],
): TaveResumePoint {
  if (cursor === undefined || cursor === null) return { kind: 'start' };
  const prefix = `${phase}:modified:`;
  if (typeof cursor === 'string' && cursor.startsWith(prefix)) {
    const rest = cursor.slice(prefix.length);
    if (forms.includes('page') && /^page:[1-9]\d{0,8}$/.test(rest)) {
      return { kind: 'page', page: rest.slice('page:'.length) };
    }
    if (forms.includes('after') && /^after:[0-9A-Za-z]{1,64}$/.test(rest)) {
      return { kind: 'after', id: rest.slice('after:'.length) };
    }
    if (forms.includes('linked') && rest === 'linked') return { kind: 'linked' };
  }
  const shown = typeof cursor === 'string' ? cursor.slice(0, 60) : String(cursor);
  const expected = forms.map((form) => `\`${prefix}${templates[form]}\``).join(' or ');
  throw new InvalidArgumentError(
    `Expected \`cursor\` to be a cursor of this read (${expected}, as the read has \`since\`), got \`${shown}\` (${typeof cursor})`,
    { context: { option: 'cursor', phase, incremental: true } },
  );
}
