import { generatePhone, typedVariants, phoneCountries } from './src/generators/phones.ts';
import { Random } from './src/generators/random.ts';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
const r = new Random(5);
const bad = new Map<string, string[]>();
for (const c of phoneCountries) for (let i = 0; i < 2000; i++) {
  const p = generatePhone(r, c, 'mobile', i % 2 === 0);
  const parsed = parsePhoneNumberFromString(p.e164);
  const add = (m: string) => { const l = bad.get(c) ?? []; l.push(m); bad.set(c, l); };
  if (!parsed || !parsed.isValid() || parsed.country !== c || parsed.getType() !== 'MOBILE' && parsed.getType() !== 'FIXED_LINE_OR_MOBILE') { add(`${p.e164} ${parsed?.country} ${parsed?.isValid()} ${parsed?.getType()}`); continue; }
  for (const v of typedVariants(p)) { const q = parsePhoneNumberFromString(v, c as any); if (!q || q.number !== p.e164) add(`variant ${v} -> ${q?.number}`); }
}
for (const [c, l] of bad) console.log(c, l.length, l.slice(0, 6).join(' ; '));
