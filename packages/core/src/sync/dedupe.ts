/**
 * The dedupe matcher: decides whether an incoming client is a client WedSync already has (or one imported
 * earlier in the same import), and how sure that is. Pure: the pipeline feeds it keys, it returns a decision.
 *
 * What counts as proof follows the facts of the trade: couples often share one email address or one phone, so
 * an email or phone match between two people whose names differ is NOT proof (the bride and the groom are two
 * people); and one person is often entered twice with different case, spacing or phone formatting.
 *
 * - certain: the same name key (case, accents, punctuation and spacing folded) AND at least one of the same
 *   email, the same phone (E.164) or the same wedding date. The import links to that client.
 * - uncertain: the same name without corroboration, or the same email or phone under a different name (a
 *   shared address, or a typo in the first name), or several different clients that are each certain. The
 *   record is staged `duplicate` for a person to review; it is never merged silently.
 * - none: nothing in common, or only keys of the candidate's partner (the incoming person is then the
 *   partner of that client, entered as a contact of their own, which is not a duplicate).
 *
 * Only the people themselves are compared (email, secondary email, phone, secondary phone and name), never
 * the incoming record's partner: a partner match says nothing about the client.
 */
import type { CanonicalClient, Person } from '../model/canonical.js';
import type { DedupeQuery, NameDateKey } from '../spec/client-store.js';
import { nameKey, normalizeEmail, normalizePhone } from './keys.js';

/** The matching keys of one person. */
export interface PersonKeys {
  /** The folded name key, or null when the person has no name. */
  readonly nameKey: string | null;
  /** Normalised emails (main and secondary). */
  readonly emails: readonly string[];
  /** Normalised phones (main and secondary). */
  readonly phones: readonly string[];
}

/** The matching keys of one client: the client's own, and the wedding date. */
export interface ClientKeys extends PersonKeys {
  /** `YYYY-MM-DD`, or null when unknown. */
  readonly weddingDate: string | null;
}

/** Which keys two clients share. */
export type DedupeEvidence = 'name' | 'email' | 'phone' | 'wedding_date';

/** How sure a match is (see the module comment). */
export type MatchCertainty = 'certain' | 'uncertain';

/** A candidate that shares keys with the incoming client. */
export interface ClientMatch {
  readonly certainty: MatchCertainty;
  /** The keys the two share, in a fixed order: name, email, phone, wedding_date. */
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

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}

/** The matching keys of a person (name key, emails, phones), normalised as every ClientStore writes them. */
export function personKeys(person: Person): PersonKeys {
  return {
    nameKey: nameKey(person),
    emails: unique([normalizeEmail(person.email), normalizeEmail(person.secondary_email)]),
    phones: unique([normalizePhone(person.phone), normalizePhone(person.secondary_phone)]),
  };
}

/** The matching keys of a client: the client's own keys and wedding date (never the partner's). */
export function clientKeys(client: CanonicalClient): ClientKeys {
  return { ...personKeys(client), weddingDate: client.wedding_date ?? null };
}

function shares(left: readonly string[], right: readonly string[]): boolean {
  return left.some((value) => right.includes(value));
}

/** Compares two clients' keys; null when they share nothing that matters. */
export function compareClients(incoming: ClientKeys, candidate: ClientKeys): ClientMatch | null {
  const evidence: DedupeEvidence[] = [];
  const sameName = incoming.nameKey !== null && incoming.nameKey === candidate.nameKey;
  if (sameName) evidence.push('name');
  if (shares(incoming.emails, candidate.emails)) evidence.push('email');
  if (shares(incoming.phones, candidate.phones)) evidence.push('phone');
  if (incoming.weddingDate !== null && incoming.weddingDate === candidate.weddingDate) {
    evidence.push('wedding_date');
  }
  const contact = evidence.includes('email') || evidence.includes('phone');
  if (sameName && (contact || evidence.includes('wedding_date'))) return { certainty: 'certain', evidence };
  // A shared wedding date alone is no evidence at all: many couples marry on one day.
  if (sameName || contact) return { certainty: 'uncertain', evidence };
  return null;
}

/**
 * Decides what to do with an incoming client given the clients it might be: `certain` when exactly one
 * distinct client is a certain match (other, uncertain candidates do not block it), `uncertain` when there are
 * several certain ones or only uncertain ones, `none` otherwise.
 */
export function decideMatch(
  incoming: ClientKeys,
  candidates: readonly DedupeCandidateKeys[],
): DedupeDecision {
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
  if (all.length === 0) return { kind: 'none' };
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
