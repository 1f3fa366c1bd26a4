/**
 * Mobile numbers that are valid in their country's numbering plan (so libphonenumber parses them), with the
 * ways people actually type them. The generator stores what was typed plus the E.164 form; each fake CRM then
 * decides what its API shows (VSCO Workspace, for one, re-parses the typed text with the studio's country).
 */
import type { Random } from './random.js';

/** A phone number as a person typed it, with its canonical forms. */
export interface StudioPhone {
  /** What kind of line the CRM files it under. */
  readonly type: 'mobile' | 'home' | 'work';
  /** The text as typed into the CRM (any of the country's usual formats, national or international). */
  readonly typed: string;
  /** The E.164 form, e.g. `+447700900123`. */
  readonly e164: string;
  /** ISO 3166-1 alpha-2 country of the number. */
  readonly country: string;
  /** The usual national format, e.g. `07700 900123`. */
  readonly national: string;
  /** The usual international format, e.g. `+44 7700 900123`. */
  readonly international: string;
}

interface PhonePlan {
  readonly dialCode: string;
  /** The trunk prefix dialled before national numbers (`0`), or '' where there is none. */
  readonly trunk: string;
  /** Builds a national significant number (no trunk prefix). */
  readonly number: (random: Random) => string;
  /** Group sizes of the national significant number in the usual written form. */
  readonly groups: readonly number[];
  /** The prefix residents dial before a country code. @default '00' */
  readonly idd?: string;
  /** Separator between groups. @default ' ' */
  readonly separator?: string;
  /** Formats the national form differently from "trunk + grouped digits". */
  readonly national?: (digits: string) => string;
}

const usAreaCodes = [
  '212',
  '213',
  '305',
  '312',
  '404',
  '415',
  '512',
  '602',
  '617',
  '646',
  '702',
  '720',
  '808',
];
const caAreaCodes = ['416', '604', '514', '403', '613', '902'];

function group(digits: string, sizes: readonly number[], separator: string): string {
  const parts: string[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= digits.length) break;
    parts.push(digits.slice(offset, offset + size));
    offset += size;
  }
  if (offset < digits.length) parts.push(digits.slice(offset));
  return parts.join(separator);
}

const nanpNumber = (areaCodes: readonly string[]) => (random: Random) =>
  `${random.pick(areaCodes)}${random.int(2, 9)}${random.digits(2)}${random.digits(4)}`;

const nanpNational = (digits: string): string =>
  `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;

// biome-ignore format: one entry per line reads as a table
/** Numbering plans by ISO 3166-1 alpha-2 country. Mobile ranges only: every wedding client has a mobile. */
const plans: Readonly<Record<string, PhonePlan>> = {
  US: { dialCode: '1', trunk: '', idd: '011', number: nanpNumber(usAreaCodes), groups: [3, 3, 4], national: nanpNational },
  CA: { dialCode: '1', trunk: '', idd: '011', number: nanpNumber(caAreaCodes), groups: [3, 3, 4], national: nanpNational },
  GB: { dialCode: '44', trunk: '0', number: (r) => `7${r.int(1, 3)}${r.digits(8)}`, groups: [4, 6] },
  IE: { dialCode: '353', trunk: '0', number: (r) => `8${r.pick(['3', '5', '6', '7', '9'])}${r.digits(7)}`, groups: [2, 3, 4] },
  AU: { dialCode: '61', trunk: '0', idd: '0011', number: (r) => `4${r.pick(['0', '1', '2', '3', '6'])}${r.digits(7)}`, groups: [3, 3, 3] },
  DE: { dialCode: '49', trunk: '0', number: (r) => `15${r.pick(['1', '2', '7'])}${r.digits(8)}`, groups: [3, 8] },
  FR: { dialCode: '33', trunk: '0', number: (r) => `${r.pick(['60', '61', '62', '64', '65', '66', '67', '68', '73', '74', '75', '76', '77', '78'])}${r.digits(7)}`, groups: [1, 2, 2, 2, 2] },
  ES: { dialCode: '34', trunk: '', number: (r) => `6${r.digits(8)}`, groups: [3, 2, 2, 2] },
  IT: { dialCode: '39', trunk: '', number: (r) => `3${r.int(2, 9)}${r.digits(8)}`, groups: [3, 3, 4] },
  NL: { dialCode: '31', trunk: '0', number: (r) => `6${r.int(1, 5)}${r.digits(7)}`, groups: [1, 8] },
  SE: { dialCode: '46', trunk: '0', number: (r) => `7${r.pick(['0', '2', '3', '6'])}${r.digits(7)}`, groups: [2, 3, 2, 2] },
  PL: { dialCode: '48', trunk: '', number: (r) => `${r.pick(['50', '51', '53', '57', '60', '66', '69', '72', '73', '78', '79', '88'])}${r.digits(7)}`, groups: [3, 3, 3] },
  TR: { dialCode: '90', trunk: '0', number: (r) => `5${r.int(3, 5)}${r.digits(8)}`, groups: [3, 3, 2, 2] },
  JP: { dialCode: '81', trunk: '0', idd: '010', number: (r) => `${r.pick(['70', '80', '90'])}${r.int(1, 9)}${r.digits(7)}`, groups: [2, 4, 4], separator: '-' },
  KR: { dialCode: '82', trunk: '0', idd: '001', number: (r) => `10${r.pick(['2', '3', '4', '6', '7', '8'])}${r.digits(7)}`, groups: [2, 4, 4], separator: '-' },
  CN: { dialCode: '86', trunk: '', number: (r) => `1${r.pick(['38', '39', '58', '86', '88'])}${r.digits(8)}`, groups: [3, 4, 4] },
  IN: { dialCode: '91', trunk: '0', number: (r) => `9${r.digits(9)}`, groups: [5, 5] },
  BR: {
    dialCode: '55',
    trunk: '0',
    idd: '0014',
    number: (r) => `${r.pick(['11', '21', '31', '41', '51', '61', '71', '81'])}9${r.int(6, 9)}${r.digits(7)}`,
    groups: [2, 5, 4],
    national: (digits) => `(${digits.slice(0, 2)}) ${digits.slice(2, 7)}-${digits.slice(7)}`,
  },
  MX: { dialCode: '52', trunk: '', number: (r) => `${r.pick(['55', '33', '81'])}${r.digits(8)}`, groups: [2, 4, 4] },
  AE: { dialCode: '971', trunk: '0', number: (r) => `5${r.pick(['0', '2', '5', '6'])}${r.digits(7)}`, groups: [2, 3, 4] },
  NG: { dialCode: '234', trunk: '0', idd: '009', number: (r) => `${r.pick(['803', '806', '813', '816', '903'])}${r.digits(7)}`, groups: [3, 3, 4] },
  IL: { dialCode: '972', trunk: '0', number: (r) => `5${r.pick(['0', '2', '3', '4'])}${r.int(2, 9)}${r.digits(6)}`, groups: [2, 3, 4], separator: '-' },
  VN: { dialCode: '84', trunk: '0', number: (r) => `9${r.int(0, 8)}${r.digits(7)}`, groups: [2, 3, 4] },
};

/** The countries the phone generator knows. */
export const phoneCountries: readonly string[] = Object.keys(plans);

function planOf(country: string): PhonePlan {
  const plan = plans[country];
  if (plan === undefined) throw new RangeError(`No phone numbering plan for country ${country}`);
  return plan;
}

function nationalForm(plan: PhonePlan, digits: string): string {
  return plan.national?.(digits) ?? plan.trunk + group(digits, plan.groups, plan.separator ?? ' ');
}

function internationalForm(plan: PhonePlan, digits: string): string {
  return `+${plan.dialCode} ${group(digits, plan.groups, plan.separator ?? ' ')}`;
}

/**
 * The ways a person may type one number: national and international forms with and without separators.
 * The first two are the usual national and international forms.
 */
export function typedVariants(phone: Pick<StudioPhone, 'e164' | 'country'>): string[] {
  const plan = planOf(phone.country);
  const digits = phone.e164.slice(1 + plan.dialCode.length);
  const national = nationalForm(plan, digits);
  const international = internationalForm(plan, digits);
  const idd = plan.idd ?? '00';
  const variants = [
    national,
    international,
    plan.trunk + digits,
    phone.e164,
    `${idd} ${plan.dialCode} ${group(digits, plan.groups, ' ')}`,
    plan.trunk + group(digits, plan.groups, '.'),
    `+${plan.dialCode} (${plan.trunk}) ${group(digits, plan.groups, ' ')}`.replace(' () ', ' '),
    plan.trunk + group(digits, plan.groups, '-'),
  ];
  return [...new Set(variants)];
}

/**
 * A new mobile number in `country`, typed the way a resident (`typedInternationally` false) or a foreigner
 * (`true`) would usually type it.
 */
export function generatePhone(
  random: Random,
  country: string,
  type: StudioPhone['type'],
  typedInternationally: boolean,
): StudioPhone {
  const plan = planOf(country);
  const digits = plan.number(random);
  const e164 = `+${plan.dialCode}${digits}`;
  const national = nationalForm(plan, digits);
  const international = internationalForm(plan, digits);
  const variants = typedVariants({ e164, country });
  const typed = typedInternationally
    ? random.weighted<string>([
        [international, 6],
        [e164, 3],
        [variants[4] ?? international, 1],
      ])
    : random.weighted<string>([
        [national, 6],
        [variants[2] ?? national, 2],
        [variants[5] ?? national, 1],
        [international, 1],
      ]);
  return { type, typed, e164, country, national, international };
}

/** A different way of typing the same number, for planted phone-format duplicates. */
export function retypePhone(random: Random, phone: StudioPhone): StudioPhone {
  const alternatives = typedVariants(phone).filter((variant) => variant !== phone.typed);
  return { ...phone, typed: random.pick(alternatives) };
}

/** The international dial code of a country's numbers, e.g. `44`. */
export function dialCodeOf(country: string): string {
  return planOf(country).dialCode;
}
