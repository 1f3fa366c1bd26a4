/**
 * What one session (one job) reads once and reuses: the studio's settings (`/studio/me`, its time zone, custom
 * field definitions, event types, payment methods), and whether the full client read stored every job's
 * contacts in the scratch space (`pre-pass.ts`), which the full project read then reads instead of walking
 * `/job-contact` again.
 *
 * Settings are kept for the session's life (a few small objects). The stored job contacts are handed to the
 * project read once; a write makes them stale (it may change who is on a job). Nothing here outlives the
 * session: a new session (a resumed job) starts empty, and a miss simply reads again.
 */
import type { TaveApi } from '../api/client.js';
import {
  TaveCustomFieldSchema,
  type TaveNamedItem,
  TaveNamedSchema,
  type TaveStudio,
  type TaveTimezone,
} from '../api/schemas.js';
import { CustomFieldResolver } from './custom-fields.js';

/** What the job contacts say of one job, as far as a project record is concerned. */
export interface JobVerdict {
  /** The job's client contact, if it has one. */
  readonly clientId: string | undefined;
  /** The newest `modified` among the job's contacts (hidden ones too). */
  readonly contactsModified: string | undefined;
}

/** The small reference collections read whole. */
export type TaveReferencePath = 'event-type' | 'payment-method';

/** Memoised reads of one session (see the module comment). */
export class TaveSessionCache {
  readonly #api: TaveApi;
  readonly #values = new Map<string, Promise<unknown>>();
  #jobContactsStored = false;

  constructor(api: TaveApi) {
    this.#api = api;
  }

  /**
   * The studio (`GET /studio/me`), read once per session.
   * Docs: GET /studio/me (operation getResourceMyStudio) https://workspace.vsco.co/api#tag/Studio
   */
  studio(signal: AbortSignal | undefined): Promise<TaveStudio> {
    return this.#memo('studio', () => this.#api.studio(signal));
  }

  /**
   * One time zone (`GET /timezone/{id}`), read once per session.
   * Docs: GET /timezone/{id} (operation getResourceTimezone) https://workspace.vsco.co/api#tag/Timezones
   */
  timezone(id: string, signal: AbortSignal | undefined): Promise<TaveTimezone> {
    return this.#memo(`timezone:${id}`, () => this.#api.timezone(id, signal));
  }

  /**
   * The studio's custom field definitions, ready to resolve values; read once per session.
   * Docs: GET /custom-field (operation listResourceCustomField) https://workspace.vsco.co/api#tag/Custom-Fields
   */
  customFields(signal: AbortSignal | undefined): Promise<CustomFieldResolver> {
    return this.#memo('custom-field', async () => {
      const fields = await this.#api.all({
        path: 'custom-field',
        schema: TaveCustomFieldSchema,
        pageSize: 100,
        query: { sortBy: 'id' },
        ...(signal === undefined ? {} : { signal }),
      });
      return new CustomFieldResolver(fields.values());
    });
  }

  /**
   * A small reference collection by id (event types, payment methods), read once per session.
   * Docs: GET /event-type (operation listResourceEventType), GET /payment-method (operation
   * listResourcePaymentMethod) https://workspace.vsco.co/api
   */
  reference(path: TaveReferencePath, signal: AbortSignal | undefined): Promise<Map<string, TaveNamedItem>> {
    return this.#memo(`reference:${path}`, () =>
      this.#api.all({
        path,
        schema: TaveNamedSchema,
        pageSize: 100,
        query: { sortBy: 'id' },
        ...(signal === undefined ? {} : { signal }),
      }),
    );
  }

  /** Notes that the scratch space holds every job's contacts, as of now, for the next full project read. */
  keepJobContacts(): void {
    this.#jobContactsStored = true;
  }

  /** Whether the scratch space holds every job's contacts, answered yes once (the next call walks again). */
  takeJobContacts(): boolean {
    const stored = this.#jobContactsStored;
    this.#jobContactsStored = false;
    return stored;
  }

  /** Drops what a write may have made stale (the stored job contacts); settings stay. */
  forgetRecords(): void {
    this.#jobContactsStored = false;
  }

  /** One value per key; a failed read is forgotten, so the next caller reads again. */
  #memo<Value>(key: string, load: () => Promise<Value>): Promise<Value> {
    const known = this.#values.get(key);
    if (known !== undefined) return known as Promise<Value>;
    const loading = load();
    this.#values.set(key, loading);
    loading.catch(() => {
      if (this.#values.get(key) === loading) this.#values.delete(key);
    });
    return loading;
  }
}
