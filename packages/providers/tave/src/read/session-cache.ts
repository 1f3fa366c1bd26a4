/**
 * What one session (one job) reads once and reuses: the studio's settings (`/studio/me`, its time zone, custom
 * field definitions, event types, payment methods), and the job contacts' verdict on each job (its client and
 * when its contacts last changed), which the full client read works out and the full project read needs.
 *
 * Settings are kept for the session's life (a few small objects). The job verdicts are kept from the end of the
 * client read's pre-pass until the project read takes them: two strings per job (about 250 KB per 1,000 jobs, measured).
 * A write drops them (it may change who is on a job). Nothing here outlives the session: a new session (a
 * resumed job) starts empty, and a miss simply reads again.
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
  #jobVerdicts: ReadonlyMap<string, JobVerdict> | undefined;

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

  /** Keeps each job's verdict (by job id) for the next full project read; replaces what was kept. */
  keepJobVerdicts(verdicts: ReadonlyMap<string, JobVerdict>): void {
    this.#jobVerdicts = verdicts;
  }

  /** The kept job verdicts, handed over once (the cache lets go of them); undefined when none are kept. */
  takeJobVerdicts(): ReadonlyMap<string, JobVerdict> | undefined {
    const verdicts = this.#jobVerdicts;
    this.#jobVerdicts = undefined;
    return verdicts;
  }

  /** Drops what a write may have made stale (the job verdicts); settings stay. */
  forgetRecords(): void {
    this.#jobVerdicts = undefined;
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
