/**
 * The dedupe matcher: decides whether an incoming client is a client WedSync already has (or one imported
 * earlier in the same import), and how sure that is. Pure: the pipeline feeds it keys, it returns a decision.
 *
 * What counts as proof follows the facts of the trade: couples often share one email address or one phone, so
 * an email or phone match between two people whose names differ is NOT proof (the bride and the groom are two
 * people); relatives share addresses, phones and family names; and one person is often entered twice with
 * different case, spacing or phone formatting, a slip of the keyboard, a nickname, or the couple the other
 * way round. Linking merges two records without asking anyone, so every certain rule needs evidence that two
 * different people practically never have; anything less is a review.
 *
 * - certain, when the two:
 *   1. have the same name key (case, accents, punctuation and spacing folded) AND at least one of the same
 *      email, the same phone (E.164) or the same wedding date, unless both the wedding date and the partner
 *      name differ; or
 *   2. have names one slip apart (one token a nickname of the other, or one typing mistake away: see
 *      {@link namesOneSlipApart}) AND the same email AND the same phone AND the same partner name, with no
 *      conflicting wedding date; or
 *   3. are the same couple the other way round (each one's name is the other's partner's) AND share an email
 *      or a phone, with no conflicting wedding date.
 * - uncertain: the same name without corroboration, or the same email or phone under a different name (a
 *   shared address, a relative, a typo or nickname without the full corroboration of rule 2), or several
 *   different clients that are each certain. The record is staged `duplicate` for a person to review; it is
 *   never merged silently.
 * - none: nothing in common, or only keys of the candidate's partner (the incoming person is then the
 *   partner of that client, entered as a contact of their own, which is not a duplicate).
 *
 * The people themselves are compared (email, secondary email, phone, secondary phone and name); of the partner
 * only the name counts, and only to tell another wedding apart (rule 1), to corroborate (rule 2) or to
 * recognise the couple (rule 3): a partner's email or phone says nothing about the client.
 */
import type { CanonicalClient, Person } from '../model/canonical.js';
import type { DedupeQuery, NameDateKey } from '../spec/client-store.js';
import { nameKey, normalizeEmail, normalizePhone } from './keys.js';
import { areNicknames } from './nicknames.js';

/** The matching keys of one person. */
export interface PersonKeys {
  /** The folded name key, or null when the person has no name. */
  readonly nameKey: string | null;
  /** Normalised emails (main and secondary). */
  readonly emails: readonly string[];
  /** Normalised phones (main and secondary). */
  readonly phones: readonly string[];
}

/** The matching keys of one client: the client's own, the wedding date and the partner's name. */
export interface ClientKeys extends PersonKeys {
  /** `YYYY-MM-DD`, or null when unknown. */
  readonly weddingDate: string | null;
  /** The partner's folded name key, or null when there is no partner or it has no name. */
  readonly partnerNameKey: string | null;
}

/**
 * Which keys two clients share. Of the names, at most one of: `name` (the same name key), `swapped_names` (the
 * couple the other way round) or `similar_name` (one slip apart). `partner_name`: the same partner name.
 */
export type DedupeEvidence =
  | 'name'
  | 'swapped_names'
  | 'similar_name'
  | 'email'
  | 'phone'
  | 'wedding_date'
  | 'partner_name';

/** How sure a match is (see the module comment). */
export type MatchCertainty = 'certain' | 'uncertain';

/** A candidate that shares keys with the incoming client. */
export interface ClientMatch {
  readonly certainty: MatchCertainty;
  /**
   * The keys the two share, in a fixed order: name (or swapped_names, or similar_name), email, phone,
   * wedding_date, partner_name.
   */
  readonly evidence: readonly DedupeEvidence[];
}

/** A client to compare with: its WedSync id and keys. */
export interface DedupeCandidateKeys {
  readonly id: string;
  readonly keys: ClientKeys;
}

/** One candidate of an uncertain decision. */
export interface CandidateMatch extends ClientMatch {
  readonly id: string;
}

/** What to do with an incoming client. */
export type DedupeDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'certain'; readonly id: string; readonly evidence: readonly DedupeEvidence[] }
  | { readonly kind: 'uncertain'; readonly candidates: readonly CandidateMatch[] };

/** The distinct non-null values of two (a person has at most a main and a secondary email or phone). */
function distinct(first: string | null, second: string | null): string[] {
  if (first === null) return second === null ? [] : [second];
  return second === null || second === first ? [first] : [first, second];
}

/** The matching keys of a person (name key, emails, phones), normalised as every ClientStore writes them. */
export function personKeys(person: Person): PersonKeys {
  return {
    nameKey: nameKey(person),
    emails: distinct(normalizeEmail(person.email), normalizeEmail(person.secondary_email)),
    phones: distinct(normalizePhone(person.phone), normalizePhone(person.secondary_phone)),
  };
}

/**
 * The matching keys of a client: the client's own keys, the wedding date and the partner's name key (never the
 * partner's email or phone).
 */
export function clientKeys(client: CanonicalClient): ClientKeys {
  const { partner } = client;
  return {
    nameKey: nameKey(client),
    emails: distinct(normalizeEmail(client.email), normalizeEmail(client.secondary_email)),
    phones: distinct(normalizePhone(client.phone), normalizePhone(client.secondary_phone)),
    weddingDate: client.wedding_date ?? null,
    partnerNameKey: partner === undefined ? null : nameKey(partner),
  };
}

function shares(left: readonly string[], right: readonly string[]): boolean {
  for (const value of left) if (right.includes(value)) return true;
  return false;
}

/** Both known and equal. */
function bothEqual(left: string | null, right: string | null): boolean {
  return left !== null && left === right;
}

/** Both known and different: the two records disagree. */
function conflict(left: string | null, right: string | null): boolean {
  return left !== null && right !== null && left !== right;
}

/** The fewest characters a name token needs before a one-letter difference may be a typing mistake. */
const minimumTypoTokenLength = 3;

/**
 * Whether two different tokens are one typing mistake apart: one letter changed, added or dropped, or two
 * neighbours swapped — never in the first letter, and never in a token shorter than
 * {@link minimumTypoTokenLength}. A different initial is far more often a different name (Ava and Eva, Jon and
 * Ron) than a slip, and in a two-letter name one letter is half of it.
 */
function oneTypoApart(left: string, right: string): boolean {
  const [shorter, longer] = left.length <= right.length ? [left, right] : [right, left];
  if (shorter.length < minimumTypoTokenLength || longer.length - shorter.length > 1) return false;
  if (shorter.charCodeAt(0) !== longer.charCodeAt(0)) return false;
  let start = 1;
  while (start < shorter.length && shorter.charCodeAt(start) === longer.charCodeAt(start)) start += 1;
  if (shorter.length !== longer.length) {
    // One letter added: the rest of the longer, past it, is the rest of the shorter.
    return longer.slice(start + 1) === shorter.slice(start);
  }
  if (start === shorter.length) return false;
  // One letter changed, or two neighbours swapped.
  if (shorter.slice(start + 1) === longer.slice(start + 1)) return true;
  return (
    shorter.charCodeAt(start) === longer.charCodeAt(start + 1) &&
    shorter.charCodeAt(start + 1) === longer.charCodeAt(start) &&
    shorter.slice(start + 2) === longer.slice(start + 2)
  );
}

/**
 * Whether two different name keys are one slip apart: the same words but one, and that one a nickname of the
 * other (Bob and Robert, in any position: the table only holds given names) or one typing mistake away
 * (Thompson and Thomspon). Words added, dropped or split never count: "Mary Ann Lee" is not "Mary Lee".
 */
export function namesOneSlipApart(left: string, right: string): boolean {
  if (left === right) return false;
  const leftWords = left.split(' ');
  const rightWords = right.split(' ');
  if (leftWords.length !== rightWords.length) return false;
  let differing = -1;
  for (let index = 0; index < leftWords.length; index += 1) {
    if (leftWords[index] === rightWords[index]) continue;
    if (differing !== -1) return false;
    differing = index;
  }
  const leftWord = leftWords[differing] as string;
  const rightWord = rightWords[differing] as string;
  return areNicknames(leftWord, rightWord) || oneTypoApart(leftWord, rightWord);
}

/** The couple the other way round: the incoming client is the candidate's partner, and the other way round. */
function swappedCouple(incoming: ClientKeys, candidate: ClientKeys): boolean {
  return (
    incoming.nameKey !== incoming.partnerNameKey &&
    bothEqual(incoming.nameKey, candidate.partnerNameKey) &&
    bothEqual(incoming.partnerNameKey, candidate.nameKey)
  );
}

/** Compares two clients' keys (see the module comment); null when they share nothing that matters. */
export function compareClients(incoming: ClientKeys, candidate: ClientKeys): ClientMatch | null {
  const sameName = bothEqual(incoming.nameKey, candidate.nameKey);
  const email = shares(incoming.emails, candidate.emails);
  const phone = shares(incoming.phones, candidate.phones);
  const contact = email || phone;
  // A shared wedding date alone is no evidence at all: many couples marry on one day. Nor is a similar or
  // swapped name alone: candidates are looked up by the same name, email or phone, not by those.
  if (!sameName && !contact) return null;
  const sameDate = bothEqual(incoming.weddingDate, candidate.weddingDate);
  const samePartner = bothEqual(incoming.partnerNameKey, candidate.partnerNameKey);
  // Exactly crossed names are the stronger tie, so they are looked at before names that are merely close.
  const swapped = !sameName && swappedCouple(incoming, candidate);
  const similarName =
    !sameName &&
    !swapped &&
    incoming.nameKey !== null &&
    candidate.nameKey !== null &&
    namesOneSlipApart(incoming.nameKey, candidate.nameKey);

  const evidence: DedupeEvidence[] = [];
  if (sameName) evidence.push('name');
  else if (swapped) evidence.push('swapped_names');
  else if (similarName) evidence.push('similar_name');
  if (email) evidence.push('email');
  if (phone) evidence.push('phone');
  if (sameDate) evidence.push('wedding_date');
  if (samePartner) evidence.push('partner_name');

  const datesAgree = !conflict(incoming.weddingDate, candidate.weddingDate);
  // Rule 1: a name is not unique (namesakes), but a namesake with the same email, phone or wedding date is,
  // unless the two records tell of another wedding with another partner: then the shared email or phone is a
  // family's (a relative who happens to share a name with someone of the household), or a second marriage,
  // and either way a person decides. One disagreement alone does not block: wedding dates move, and a partner
  // is typed as "Jim" in one record and "James" in the other.
  const otherWedding = !datesAgree && conflict(incoming.partnerNameKey, candidate.partnerNameKey);
  const certainBySameName = sameName && (contact || sameDate) && !otherWedding;
  // Rule 2: a typo or a nickname. Relatives share a family name, an email and a phone, and their given names
  // can be one letter apart (Daniel and Daniela, Jon and Jan) or a name and its short form (a father Robert
  // and his son Bob): so both the email AND the phone, AND the same partner — which siblings, a parent and a
  // child never share — AND no other wedding date. A partner on one side only is not enough (a mother booking
  // her daughter's wedding has the daughter's date, the family's email and phone, and no partner on file).
  const certainBySimilarName = similarName && email && phone && samePartner && datesAgree;
  // Rule 3: both people of a couple, each named where the other record names the partner, is the couple
  // itself; a shared email or phone ties the two records to the same household, and another wedding date
  // would make it another booking (reviewed, not merged).
  const certainBySwap = swapped && contact && datesAgree;
  if (certainBySameName || certainBySimilarName || certainBySwap) return { certainty: 'certain', evidence };
  return { certainty: 'uncertain', evidence };
}

/** The decision when no candidate shares anything (most incoming clients): one shared, frozen object. */
const noMatch: DedupeDecision = Object.freeze({ kind: 'none' });

/**
 * Decides what to do with an incoming client given the clients it might be: `certain` when exactly one
 * distinct client is a certain match (other, uncertain candidates do not block it), `uncertain` when there are
 * several certain ones or only uncertain ones, `none` otherwise.
 */
export function decideMatch(
  incoming: ClientKeys,
  candidates: readonly DedupeCandidateKeys[],
): DedupeDecision {
  if (candidates.length === 0) return noMatch;
  const matches = new Map<string, CandidateMatch>();
  for (const candidate of candidates) {
    if (matches.has(candidate.id)) continue;
    const match = compareClients(incoming, candidate.keys);
    if (match !== null) matches.set(candidate.id, { id: candidate.id, ...match });
  }
  const all = [...matches.values()];
  const certain = all.filter((match) => match.certainty === 'certain');
  if (certain.length === 1) {
    const [only] = certain as [CandidateMatch];
    return { kind: 'certain', id: only.id, evidence: only.evidence };
  }
  if (all.length === 0) return noMatch;
  return { kind: 'uncertain', candidates: all };
}

/** The lookup keys of a batch of incoming clients, for one `ClientStore.findDedupeCandidates` call. */
export function dedupeLookup(
  clients: readonly ClientKeys[],
): Required<Pick<DedupeQuery, 'emails' | 'phones' | 'names'>> {
  const emails = new Set<string>();
  const phones = new Set<string>();
  const names = new Map<string, NameDateKey>();
  for (const keys of clients) {
    for (const email of keys.emails) emails.add(email);
    for (const phone of keys.phones) phones.add(phone);
    if (keys.nameKey !== null) names.set(keys.nameKey, { nameKey: keys.nameKey });
  }
  return { emails: [...emails], phones: [...phones], names: [...names.values()] };
}
