/**
 * The mutable CRM-side state of the VSCO Workspace fake. Tests change records between syncs through it
 * (`update` bumps `modified`, `create` assigns a ULID and fires REST hooks, `remove` cascades like the
 * vendor), and the API routes read and write through the same methods, so both paths behave alike.
 * Sorted views and lookup indexes are cached per collection and dropped on every change, so walking
 * 100,000 records page by page stays linear.
 */
import { NotFoundError } from '@wedsync/crm-core';
import { Random } from '../../generators/random.js';
import { referenceSequenceBase } from '../../generators/reference.js';
import { deterministicUlid } from '../../generators/ulid.js';
import { functionOption, invalid } from '../../generators/validate.js';
import { contactDefaults, jobContactDefaults, jobDefaults } from './defaults.js';
import { taveTimestamp } from './time.js';
import type {
  TaveContact,
  TaveDataset,
  TaveJob,
  TaveJobContact,
  TavePerson,
  TaveRecords,
  TaveResource,
  TaveStudio,
} from './types.js';

/** A stored record of any resource. */
type AnyRecord = TaveRecords[TaveResource];

/** One resource's records, with views and indexes cached until the next change. */
export class RecordCollection<T extends { readonly id: string }> {
  readonly items = new Map<string, T>();
  private readonly views = new Map<string, readonly T[]>();
  private readonly indexes = new Map<string, ReadonlyMap<string, readonly T[]>>();

  /** Drops the cached views (after any change). */
  touch(): void {
    this.views.clear();
    this.indexes.clear();
  }

  /** A cached list built by `build` until the next change. */
  view(key: string, build: () => readonly T[]): readonly T[] {
    let view = this.views.get(key);
    if (view === undefined) {
      view = build();
      if (this.views.size > 64) this.views.clear();
      this.views.set(key, view);
    }
    return view;
  }

  /** A cached index of the records by the keys `keysOf` gives each, until the next change. */
  index(name: string, keysOf: (item: T) => readonly string[]): ReadonlyMap<string, readonly T[]> {
    let index = this.indexes.get(name);
    if (index === undefined) {
      const built = new Map<string, T[]>();
      for (const item of this.items.values()) {
        for (const key of keysOf(item)) {
          const list = built.get(key);
          if (list === undefined) built.set(key, [item]);
          else list.push(item);
        }
      }
      index = built;
      this.indexes.set(name, index);
    }
    return index;
  }
}

/**
 * A record to create: contacts, jobs and job contacts need only the fields that matter (defaults fill the
 * rest; a contact is a person unless `kind` says otherwise); other resources need every field but `id`,
 * `created` and `modified`.
 */
export type TaveDraft<R extends TaveResource> = R extends 'address-book' | 'job' | 'job-contact'
  ? Partial<TaveRecords[R]>
  : Omit<TaveRecords[R], 'id' | 'created' | 'modified'> &
      Partial<Pick<TaveRecords[R], 'id' | 'created' | 'modified'>>;

/** Listens to records created in the state (through the API or by a test). */
export type TaveCreatedListener = <R extends TaveResource>(resource: R, record: TaveRecords[R]) => void;

/** Options of the state. */
export interface TaveStateOptions {
  /** Clock in milliseconds for `created`/`modified`. @default Date.now */
  readonly now?: () => number;
  /** Seed of new ids. @default 1 */
  readonly seed?: number;
}

function fullName(first: string | null, last: string | null): string {
  return [first, last].filter((part): part is string => part !== null && part.trim() !== '').join(' ');
}

const resources: readonly TaveResource[] = [
  'address-book',
  'job',
  'job-contact',
  'event',
  'order',
  'payment',
  'payment-method',
  'note',
  'custom-field',
  'lead-source',
  'lead-status',
  'job-type',
  'job-role',
  'job-closed-reason',
  'event-type',
  'timezone',
  'rest-hook',
];

/** The fake CRM's records. Every change drops cached views; `update` and `create` stamp `modified`. */
export class TaveState {
  private readonly collections = new Map<TaveResource, RecordCollection<AnyRecord>>();
  private readonly listeners = new Set<TaveCreatedListener>();
  private readonly now: () => number;
  private readonly random: Random;
  private studioRecord: TaveStudio;
  private lastIssued: number;
  private sequence = 0;

  constructor(dataset: TaveDataset, options: TaveStateOptions = {}) {
    this.now = functionOption<() => number>('now', options.now) ?? Date.now;
    this.random = new Random(options.seed ?? 1, 7);
    this.studioRecord = dataset.studio;
    // Timestamps share one format (`…+00:00`), so the latest is the greatest string.
    let latest = dataset.studio.modified;
    for (const resource of resources) {
      const collection = new RecordCollection<AnyRecord>();
      for (const record of dataset.records[resource] as AnyRecord[]) {
        collection.items.set(record.id, record);
        if ('modified' in record && record.modified > latest) latest = record.modified;
      }
      this.collections.set(resource, collection);
    }
    this.lastIssued = Date.parse(latest);
  }

  /** The studio (`/studio/me`). */
  get studio(): TaveStudio {
    return this.studioRecord;
  }

  /** Changes studio settings (currency, date format, time zone id…), bumping `modified`. */
  updateStudio(patch: Partial<Omit<TaveStudio, 'id' | 'created'>>): TaveStudio {
    this.studioRecord = { ...this.studioRecord, ...patch, modified: patch.modified ?? this.timestamp() };
    return this.studioRecord;
  }

  /** A timestamp (VSCO Workspace format) later than every `created`/`modified` issued so far. */
  timestamp(): string {
    const next = Math.max(Math.floor(this.now() / 1000) * 1000, this.lastIssued + 1000);
    this.lastIssued = next;
    return taveTimestamp(next);
  }

  /** A new lowercase ULID for a record created now. */
  newId(): string {
    this.sequence += 1;
    return deterministicUlid(
      Math.max(this.now(), this.lastIssued),
      referenceSequenceBase + 500_000 + this.sequence,
      this.random,
    );
  }

  /** The records of a resource, cached views included (the routes use this). */
  collection<R extends TaveResource>(resource: R): RecordCollection<TaveRecords[R]> {
    return this.collections.get(resource) as unknown as RecordCollection<TaveRecords[R]>;
  }

  /** One record, or undefined. */
  get<R extends TaveResource>(resource: R, id: string): TaveRecords[R] | undefined {
    return this.collection(resource).items.get(id);
  }

  /** Every record of a resource, in insertion order (a copy). */
  list<R extends TaveResource>(resource: R): TaveRecords[R][] {
    return [...this.collection(resource).items.values()];
  }

  /** Number of records of a resource. */
  count(resource: TaveResource): number {
    return this.collection(resource).items.size;
  }

  /** Calls `listener` for every record created from now on; returns a function that stops it. */
  onCreated(listener: TaveCreatedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Adds a record. `id`, `created` and `modified` are assigned unless given, defaults fill what a draft
   * leaves out, and derived read-only fields (a person's `name`, a job's `jobTypeName`…) are computed.
   * Fires `onCreated` listeners (REST hooks).
   */
  create<R extends TaveResource>(resource: R, record: TaveDraft<R>): TaveRecords[R] {
    const stamp = this.timestamp();
    const draft = record as Record<string, unknown>;
    const defaults =
      resource === 'address-book'
        ? contactDefaults((draft.kind as TaveContact['kind'] | undefined) ?? 'person')
        : resource === 'job'
          ? jobDefaults(stamp.slice(0, 10))
          : resource === 'job-contact'
            ? jobContactDefaults()
            : {};
    const base: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(draft)) if (value !== undefined) base[key] = value;
    base.id ??= this.newId();
    base.created ??= stamp;
    base.modified ??= stamp;
    const complete = this.derive(resource, base as unknown as TaveRecords[R]);
    const collection = this.collection(resource);
    if (collection.items.has(complete.id)) {
      invalid('record.id', `an id not already used by ${resource}`, complete.id);
    }
    collection.items.set(complete.id, complete);
    collection.touch();
    for (const listener of this.listeners) listener(resource, complete);
    return complete;
  }

  /**
   * Changes a record and bumps its `modified` (unless the patch sets `modified` itself). Derived fields are
   * recomputed. Throws NotFoundError for an unknown id.
   */
  update<R extends TaveResource>(resource: R, id: string, patch: Partial<TaveRecords[R]>): TaveRecords[R] {
    const collection = this.collection(resource);
    const current = collection.items.get(id);
    if (current === undefined) {
      throw new NotFoundError(`No ${resource} record with id ${id} in the fake VSCO Workspace`, {
        context: { resource, id },
      });
    }
    const { id: _ignored, ...rest } = patch as Record<string, unknown>;
    const next = { ...current, ...rest } as Record<string, unknown>;
    if (!('modified' in rest) && 'modified' in current) next.modified = this.timestamp();
    const complete = this.derive(resource, next as unknown as TaveRecords[R]);
    collection.items.set(id, complete);
    collection.touch();
    return complete;
  }

  /**
   * Deletes a record and what depends on it, as the vendor does: a contact's job links and notes; a job's
   * contacts, events, orders, payments and notes. Throws NotFoundError for an unknown id.
   */
  remove(resource: TaveResource, id: string): void {
    const collection = this.collection(resource);
    if (!collection.items.delete(id)) {
      throw new NotFoundError(`No ${resource} record with id ${id} in the fake VSCO Workspace`, {
        context: { resource, id },
      });
    }
    collection.touch();
    const removeWhere = (dependent: TaveResource, matches: (record: Record<string, unknown>) => boolean) => {
      const items = this.collection(dependent).items;
      let removed = false;
      for (const [key, record] of items) {
        if (matches(record as unknown as Record<string, unknown>)) {
          items.delete(key);
          removed = true;
        }
      }
      if (removed) this.collection(dependent).touch();
    };
    if (resource === 'address-book') {
      removeWhere('job-contact', (record) => record.contactId === id);
      removeWhere('note', (record) => record.contactId === id);
    } else if (resource === 'job') {
      for (const dependent of ['job-contact', 'event', 'order', 'payment', 'note'] as const) {
        removeWhere(dependent, (record) => record.jobId === id);
      }
    }
  }

  /** Fills in the read-only fields VSCO Workspace derives from others. */
  private derive<R extends TaveResource>(resource: R, record: TaveRecords[R]): TaveRecords[R] {
    if (resource === 'address-book') {
      const contact = record as TaveContact;
      if (contact.kind === 'person' || contact.kind === 'employee') {
        return {
          ...contact,
          name: fullName(contact.firstName, contact.lastName),
        } as unknown as TaveRecords[R];
      }
      return record;
    }
    if (resource === 'job') {
      const job = record as TaveJob;
      const nameOf = <S extends 'job-type' | 'lead-source' | 'lead-status' | 'job-closed-reason'>(
        source: S,
        id: string | null,
      ) => (id === null ? null : ((this.get(source, id) as { name?: string } | undefined)?.name ?? null));
      return {
        ...job,
        jobTypeName: nameOf('job-type', job.jobTypeId),
        leadSourceName: nameOf('lead-source', job.leadSourceId),
        leadStatusName: nameOf('lead-status', job.leadStatusId),
        closedReasonName: nameOf('job-closed-reason', job.closedReasonId),
      } as unknown as TaveRecords[R];
    }
    if (resource === 'job-contact') {
      const jobContact = record as TaveJobContact;
      const kinds = new Set<TaveJobContact['roleKinds'][number]>(
        jobContact.client === true ? ['client'] : [],
      );
      for (const roleId of jobContact.jobRoles ?? []) {
        const kind = roleId === null ? null : this.get('job-role', roleId)?.kind;
        if (kind !== null && kind !== undefined) kinds.add(kind);
      }
      return { ...jobContact, roleKinds: [...kinds] } as unknown as TaveRecords[R];
    }
    return record;
  }
}

/** True for an address-book person. */
export function isPerson(contact: TaveContact): contact is TavePerson {
  return contact.kind === 'person';
}
