/**
 * Custom fields resolved to their labels. Contacts and jobs carry `customFields: [{ fieldId, value }]`; the
 * definitions (`GET /custom-field`) give each field its name, token and kind. Records keep the vendor's list with
 * `label`, `key` and `type` added to each entry, plus `customFieldsByKey`, the same values keyed by `key` in the
 * shape of WedSync's `custom_fields`, so one mapping imports them all.
 */
import type { CustomFieldType } from '@wedsync/crm-core';
import type { TaveCustomFieldItem } from '../api/schemas.js';

/** One custom field value with its definition's label, key and type. */
export interface TaveResolvedCustomField {
  readonly fieldId: string;
  readonly value: string | null;
  /** The field's name in VSCO Workspace; null when the definition is unknown (hidden or deleted). */
  readonly label: string | null;
  /** Stable key: the field's token, else its name in snake_case, else its id. Unique within the studio. */
  readonly key: string;
  /** WedSync's kind of custom field value; null when the vendor's kind is unknown. */
  readonly type: CustomFieldType | null;
}

/** A custom field value keyed by `key`, in the shape of WedSync's `custom_fields` entries. */
export interface TaveCustomFieldEntry {
  readonly key: string;
  readonly label?: string;
  readonly type?: CustomFieldType;
  readonly value: string | null;
}

/** What resolution adds to a contact or job. */
export interface TaveCustomFieldEnrichment {
  readonly customFields: readonly TaveResolvedCustomField[];
  readonly customFieldsByKey: Readonly<Record<string, TaveCustomFieldEntry>>;
}

const kindTypes: Readonly<Record<string, CustomFieldType>> = {
  textfield: 'text',
  textbox: 'text',
  dropdown: 'choice',
  number: 'number',
  decimal: 'number',
  money: 'money',
  date: 'date',
  time: 'time',
  checkbox: 'boolean',
};

const reservedKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function snakeCase(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

interface Definition {
  readonly label: string | null;
  readonly key: string;
  readonly type: CustomFieldType | null;
}

/** Resolves custom field values against the studio's definitions. */
export class CustomFieldResolver {
  readonly #definitions = new Map<string, Definition>();

  constructor(fields: Iterable<TaveCustomFieldItem>) {
    const used = new Set<string>();
    for (const field of fields) {
      const label = field.name ?? field.clientLabel ?? null;
      let key = field.token ?? (label === null ? '' : snakeCase(label));
      if (key === '' || reservedKeys.has(key) || used.has(key)) key = field.id;
      used.add(key);
      const type =
        field.kind === null || field.kind === undefined
          ? null
          : (kindTypes[field.kind.toLowerCase()] ?? null);
      this.#definitions.set(field.id, { label, key, type });
    }
  }

  /** The enrichment of one record's `customFields` (null or absent: none). */
  resolve(
    values:
      | readonly { readonly fieldId: string; readonly value?: string | null | undefined }[]
      | null
      | undefined,
  ): TaveCustomFieldEnrichment {
    const customFields: TaveResolvedCustomField[] = [];
    const customFieldsByKey: Record<string, TaveCustomFieldEntry> = {};
    for (const entry of values ?? []) {
      const definition = this.#definitions.get(entry.fieldId);
      const key = definition?.key ?? entry.fieldId;
      const value = entry.value ?? null;
      const resolved: TaveResolvedCustomField = {
        ...entry,
        fieldId: entry.fieldId,
        value,
        label: definition?.label ?? null,
        key,
        type: definition?.type ?? null,
      };
      customFields.push(resolved);
      if (reservedKeys.has(key) || Object.hasOwn(customFieldsByKey, key)) continue;
      customFieldsByKey[key] = {
        key,
        ...(resolved.label === null ? {} : { label: resolved.label }),
        ...(resolved.type === null ? {} : { type: resolved.type }),
        value,
      };
    }
    return { customFields, customFieldsByKey };
  }
}
