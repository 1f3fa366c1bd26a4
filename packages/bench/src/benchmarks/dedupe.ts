/**
 * `bench dedupe --records N`: the hub's dedupe over a generated corpus with planted duplicates and planted
 * near-misses (see dedupe-corpus.ts). The records are mapped first (core's compileMappings, phones to E.164 with
 * the studio's country; not timed), then matched one after another exactly as an import's page does it: the
 * record's keys (`clientKeys`), the candidates sharing an email, phone or name key with it (an in-memory index
 * of the clients created so far, or a real ClientStore's `findDedupeCandidates` per page of 100 with `--store`),
 * and `decideMatch`. A `none` is created and becomes a candidate; `certain` is linked to its match; `uncertain` is
 * flagged for review. Timed: the matching (with `--store`, the store's lookups and the creates too).
 *
 * Scored at two levels: `auto` — what the import links by itself (certain decisions); `review` — what it links
 * or flags for a person (certain or uncertain). A true positive is a decision naming a record of the same
 * person; a false positive one naming only other people; a false negative a duplicate with no such decision.
 */
import {
  type CanonicalClient,
  type ClientKeys,
  type CrmFieldMappingInput,
  clientKeys,
  compileMappings,
  type DedupeCandidateKeys,
  type DedupeDecision,
  decideMatch,
  dedupeLookup,
} from '@wedsync/crm-core';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createBenchDatabase, type DatabaseKind } from '../databases.js';
import { type CorpusEntry, duplicateKinds, generateDedupeCorpus, nearMissKinds } from '../dedupe-corpus.js';
import { type ProgressReporter, ratio, secondsSince } from '../measure.js';
import { defaultSeed, type RunFacts, runFacts } from './common.js';

/** Where the candidates come from. */
export type DedupeStore = 'memory' | DatabaseKind;

/** Options of {@link runDedupeBenchmark}. */
export interface DedupeBenchmarkOptions {
  /** Records in the corpus. */
  readonly records: number;
  /** @default 'memory' */
  readonly store?: DedupeStore;
  /** @default 5 */
  readonly seed?: number;
  readonly report?: ProgressReporter;
}

/** Counts behind one level's precision and recall. */
export interface DedupeScore {
  readonly true_positives: number;
  readonly false_positives: number;
  readonly false_negatives: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

/** What became of the records of one planted kind. */
export interface KindOutcome {
  readonly records: number;
  /** Linked by the import to a record of the same person. */
  readonly linked: number;
  /** Flagged for review with a record of the same person among the candidates. */
  readonly flagged: number;
  /** Linked or flagged with other people only. */
  readonly wrong: number;
  /** Created as a new client. */
  readonly created: number;
}

/** What `bench dedupe --json` prints. */
export interface DedupeBenchmarkResult extends RunFacts {
  readonly benchmark: 'dedupe';
  readonly records: number;
  readonly store: DedupeStore;
  /** Seconds of the matching (see the module comment). */
  readonly seconds: number;
  /** Seconds the mapping took (not part of `seconds`). */
  readonly mapping_seconds: number;
  readonly records_per_second: number;
  readonly planted_duplicates: number;
  readonly planted_near_misses: number;
  readonly mapping_failures: number;
  /** Precision of what the import links by itself (certain decisions). */
  readonly precision: number | null;
  /** Recall of what the import links by itself. */
  readonly recall: number | null;
  /** Recall of what it links or flags for review. */
  readonly review_recall: number | null;
  readonly review_precision: number | null;
  readonly auto: DedupeScore;
  readonly review: DedupeScore;
  readonly by_kind: Readonly<Record<string, KindOutcome>>;
  readonly decisions: { readonly created: number; readonly linked: number; readonly flagged: number };
}

const corpusMappings: CrmFieldMappingInput[] = [
  { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' },
  { wedsync_field: 'last_name', crm_field: 'lastName', field_type: 'text' },
  { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
  { wedsync_field: 'phone', crm_field: 'phone', field_type: 'phone' },
  { wedsync_field: 'wedding_date', crm_field: 'weddingDate', field_type: 'date' },
  { wedsync_field: 'partner.first_name', crm_field: 'partner.firstName', field_type: 'text' },
  { wedsync_field: 'partner.last_name', crm_field: 'partner.lastName', field_type: 'text' },
  { wedsync_field: 'partner.email', crm_field: 'partner.email', field_type: 'email' },
];

interface Mapped {
  readonly entry: CorpusEntry;
  readonly client: CanonicalClient;
}

/** The clients created so far, indexed by the keys a ClientStore looks candidates up by. */
class MemoryCandidates {
  private readonly byEmail = new Map<string, DedupeCandidateKeys[]>();
  private readonly byPhone = new Map<string, DedupeCandidateKeys[]>();
  private readonly byName = new Map<string, DedupeCandidateKeys[]>();

  add(candidate: DedupeCandidateKeys): void {
    const { keys } = candidate;
    for (const email of keys.emails) MemoryCandidates.put(this.byEmail, email, candidate);
    for (const phone of keys.phones) MemoryCandidates.put(this.byPhone, phone, candidate);
    if (keys.nameKey !== null) MemoryCandidates.put(this.byName, keys.nameKey, candidate);
  }

  find(keys: ClientKeys): DedupeCandidateKeys[] {
    const found: DedupeCandidateKeys[] = [];
    for (const email of keys.emails) MemoryCandidates.collect(this.byEmail, email, found);
    for (const phone of keys.phones) MemoryCandidates.collect(this.byPhone, phone, found);
    if (keys.nameKey !== null) MemoryCandidates.collect(this.byName, keys.nameKey, found);
    return found;
  }

  private static put(
    index: Map<string, DedupeCandidateKeys[]>,
    key: string,
    candidate: DedupeCandidateKeys,
  ): void {
    const list = index.get(key);
    if (list === undefined) index.set(key, [candidate]);
    else list.push(candidate);
  }

  private static collect(
    index: Map<string, DedupeCandidateKeys[]>,
    key: string,
    into: DedupeCandidateKeys[],
  ): void {
    const list = index.get(key);
    if (list !== undefined) for (const candidate of list) into.push(candidate);
  }
}

/** Matches every record in memory; returns each record's decision. */
function matchInMemory(records: readonly Mapped[]): DedupeDecision[] {
  const candidates = new MemoryCandidates();
  return records.map((record) => {
    const keys = clientKeys(record.client);
    const decision = decideMatch(keys, candidates.find(keys));
    if (decision.kind === 'none') candidates.add({ id: record.entry.record.id, keys });
    return decision;
  });
}

/** Matches page by page against a real ClientStore, creating the `none` records, as an import does. */
async function matchInStore(
  records: readonly Mapped[],
  kind: DatabaseKind,
  report: ProgressReporter,
): Promise<{ decisions: DedupeDecision[]; seconds: number }> {
  const database = await createBenchDatabase(kind);
  try {
    await createKyselyStorage({ db: database.db }).migrate();
    const store = createKyselyClientStore({ db: database.db });
    const supplierId = '3f1e1d6c-0a5b-4c8e-9d2f-7b6a5c4d3e21';
    await database.db
      .insertInto('suppliers')
      .values({ id: supplierId, name: 'Dedupe', tier: 'ENTERPRISE' })
      .execute();
    const recordIdOf = new Map<string, string>();
    const decisions: DedupeDecision[] = [];
    const started = performance.now();
    for (let start = 0; start < records.length; start += 100) {
      const page = records.slice(start, start + 100);
      const keys = page.map((record) => clientKeys(record.client));
      const lookup = dedupeLookup(keys);
      const found = await store.findDedupeCandidates({ supplierId, ...lookup });
      const candidates: DedupeCandidateKeys[] = found.map((candidate) => ({
        id: recordIdOf.get(candidate.client.id) ?? candidate.client.id,
        keys: clientKeys(candidate.client.record),
      }));
      const creates: Mapped[] = [];
      for (const [index, record] of page.entries()) {
        const recordKeys = keys[index] as ClientKeys;
        const decision = decideMatch(recordKeys, candidates);
        decisions.push(decision);
        if (decision.kind === 'none') {
          candidates.push({ id: record.entry.record.id, keys: recordKeys });
          creates.push(record);
        }
      }
      if (creates.length > 0) {
        const results = await store.upsert(
          'client',
          creates.map((record) => ({ supplier_id: supplierId, record: record.client })),
        );
        creates.forEach((record, index) => {
          const id = (results[index] as { id: string }).id;
          recordIdOf.set(id, record.entry.record.id);
        });
      }
      if ((start / 100) % 200 === 199) report(`  dedupe: ${start + page.length} records matched`);
    }
    return { decisions, seconds: secondsSince(started) };
  } finally {
    await database.destroy();
  }
}

/**
 * Which planted case each record's outcome tells about: the second record of a duplicated person carries the
 * duplicate's kind (whichever of the two came first); of a near-miss pair, whichever of the near-miss and its
 * lookalike's first record came second carries the near-miss kind. Other records are `distinct`.
 */
function outcomeLabels(records: readonly Mapped[]): Map<string, string> {
  const labels = new Map<string, string>();
  const position = new Map<string, number>();
  const firstOfPerson = new Map<number, string>();
  const duplicateKindOf = new Map<number, string>();
  records.forEach((record, index) => {
    const { entry } = record;
    position.set(entry.record.id, index);
    if (!firstOfPerson.has(entry.personId)) firstOfPerson.set(entry.personId, entry.record.id);
    if ((duplicateKinds as readonly string[]).includes(entry.kind))
      duplicateKindOf.set(entry.personId, entry.kind);
  });
  for (const { entry } of records) {
    const kind = duplicateKindOf.get(entry.personId);
    if (kind !== undefined && firstOfPerson.get(entry.personId) !== entry.record.id)
      labels.set(entry.record.id, kind);
  }
  for (const { entry } of records) {
    if (entry.lookalikeOf === null) continue;
    const lookalike = firstOfPerson.get(entry.lookalikeOf);
    if (lookalike === undefined) continue;
    const second =
      (position.get(entry.record.id) as number) > (position.get(lookalike) as number)
        ? entry.record.id
        : lookalike;
    if (!labels.has(second)) labels.set(second, entry.kind);
  }
  return labels;
}

function score(truePositives: number, falsePositives: number, falseNegatives: number): DedupeScore {
  return {
    true_positives: truePositives,
    false_positives: falsePositives,
    false_negatives: falseNegatives,
    precision: ratio(truePositives, truePositives + falsePositives),
    recall: ratio(truePositives, truePositives + falseNegatives),
  };
}

/** Runs the dedupe benchmark. */
export async function runDedupeBenchmark(options: DedupeBenchmarkOptions): Promise<DedupeBenchmarkResult> {
  const report = options.report ?? (() => {});
  const store = options.store ?? 'memory';
  report(`dedupe: generating a corpus of ${options.records} records`);
  const corpus = generateDedupeCorpus({ records: options.records, seed: options.seed ?? defaultSeed });
  const mapper = compileMappings(corpusMappings, { direction: 'import', defaultCountry: 'US' });
  const mappingStarted = performance.now();
  const mapped: Mapped[] = [];
  let mappingFailures = 0;
  for (const entry of corpus) {
    const result = mapper(entry.record, { recordId: entry.record.id });
    if (!result.ok) {
      mappingFailures += 1;
      continue;
    }
    mapped.push({ entry, client: result.value as CanonicalClient });
  }
  const mappingSeconds = secondsSince(mappingStarted);

  report(`dedupe: matching ${mapped.length} records (${store})`);
  let decisions: DedupeDecision[];
  let seconds: number;
  if (store === 'memory') {
    const started = performance.now();
    decisions = matchInMemory(mapped);
    seconds = secondsSince(started);
  } else {
    ({ decisions, seconds } = await matchInStore(mapped, store, report));
  }

  // The truth: which person each record is of; a record is a duplicate when an earlier record is of its person.
  const labels = outcomeLabels(mapped);
  const personOf = new Map<string, number>();
  const seenPeople = new Set<number>();
  const auto = { tp: 0, fp: 0, fn: 0 };
  const review = { tp: 0, fp: 0, fn: 0 };
  const byKind: Record<
    string,
    { records: number; linked: number; flagged: number; wrong: number; created: number }
  > = {};
  const totals = { created: 0, linked: 0, flagged: 0 };
  mapped.forEach((record, index) => {
    const decision = decisions[index] as DedupeDecision;
    const { personId } = record.entry;
    personOf.set(record.entry.record.id, personId);
    const isDuplicate = seenPeople.has(personId);
    seenPeople.add(personId);
    const samePerson = (id: string) => personOf.get(id) === personId;
    const linkedRight = decision.kind === 'certain' && samePerson(decision.id);
    const flaggedRight =
      decision.kind === 'uncertain' && decision.candidates.some((candidate) => samePerson(candidate.id));
    const right = linkedRight || flaggedRight;
    if (decision.kind === 'certain') {
      totals.linked += 1;
      if (linkedRight) auto.tp += 1;
      else auto.fp += 1;
    }
    if (isDuplicate && !linkedRight) auto.fn += 1;
    if (decision.kind === 'none') totals.created += 1;
    else if (right) review.tp += 1;
    else review.fp += 1;
    if (isDuplicate && !right) review.fn += 1;
    if (decision.kind === 'uncertain') totals.flagged += 1;
    const label = labels.get(record.entry.record.id) ?? 'distinct';
    const outcome = byKind[label] ?? { records: 0, linked: 0, flagged: 0, wrong: 0, created: 0 };
    byKind[label] = outcome;
    outcome.records += 1;
    if (linkedRight) outcome.linked += 1;
    else if (flaggedRight) outcome.flagged += 1;
    else if (decision.kind === 'none') outcome.created += 1;
    else outcome.wrong += 1;
  });
  const autoScore = score(auto.tp, auto.fp, auto.fn);
  const reviewScore = score(review.tp, review.fp, review.fn);
  const plantedDuplicates = corpus.filter((entry) =>
    (duplicateKinds as readonly string[]).includes(entry.kind),
  ).length;
  const plantedNearMisses = corpus.filter((entry) =>
    (nearMissKinds as readonly string[]).includes(entry.kind),
  ).length;
  return {
    benchmark: 'dedupe',
    records: options.records,
    store,
    seconds,
    mapping_seconds: mappingSeconds,
    records_per_second: seconds === 0 ? 0 : Math.round(mapped.length / seconds),
    planted_duplicates: plantedDuplicates,
    planted_near_misses: plantedNearMisses,
    mapping_failures: mappingFailures,
    precision: autoScore.precision,
    recall: autoScore.recall,
    review_precision: reviewScore.precision,
    review_recall: reviewScore.recall,
    auto: autoScore,
    review: reviewScore,
    by_kind: byKind,
    decisions: totals,
    ...runFacts(),
  };
}
