/**
 * Benchmark: the Kafka view on a cluster of 10,000 topics, beside kcat and Kafka's own
 * kafka-topics.sh. It creates the topics on the native stack's broker (1 partition each,
 * named zz-scale-tree-NNNNN so they sort after everyone else's topics on the shared broker),
 * times what the tree computes, and deletes them at the end (also on Ctrl-C), printing how
 * long creation and deletion took and the broker's memory and open files before and after.
 *
 * Timed, as median of N interleaved rounds after a warm-up (each round on a new KafkaService,
 * as when the view first opens):
 * - first level shown: KafkaService.listTopics, then what the tree does with it (sort, the
 *   first 500 rows, each row's description and tooltip, the folder's count) — beside
 *   `kcat -L` (all topics' metadata, printed) and `kafka-topics.sh --list` (JVM start-up
 *   included: that is what its user waits for);
 * - counts filled: the message counts, retention and replica health of those 500 rows
 *   (KafkaService.describeTopics, one batched call);
 * - the filter: a filter typed at 10,000 topics (a name part with 10 matches, a wildcard
 *   with 1,000) until its rows are shown, and until their counts are filled;
 * - expanding one topic: KafkaService.describeTopic — beside `kcat -L -t` and
 *   `kafka-topics.sh --describe --topic`.
 * Targets: each view usable (first level shown, filter responding) under 1 s; each listing at
 * least as fast as its reference (speed ratio = reference time / ours ≥ 1.0).
 *
 *   node --import tsx bench/kafka-tree.ts [--topics=10000] [--runs=5] [--jvm-runs=3] [--keep=1]
 * --keep=1 leaves the topics for the next run (which then reuses them) instead of deleting them.
 */
import type { KafkaService } from '../src/kafka/kafkaService';
import type { TopicDetails, TopicSummary } from '../src/kafka/types';
import { compareNames, listedRows, MAX_TOPICS_SHOWN, nameFilter, topicRowText } from '../src/kafka/presentation';
import { BROKER, flag, fmt, loadNote, localService, median } from './lib/kafkaBench';
import {
  benchAdmin, brokerNote, createTopicsInBatches, deleteTopicsInBatches, figure, kafkaTool, kcat, speedRatio,
  timeInterleaved, TOPIC_COMMAND, topicsWithPrefix, variant, type Variant,
} from './lib/scaleBench';

const TOPICS = flag('topics', 10_000);
const RUNS = flag('runs', 5);
const JVM_RUNS = flag('jvm-runs', 3);
const KEEP = process.argv.includes('--keep=1');
const PREFIX = 'zz-scale-tree-';

const nameOf = (i: number): string => `${PREFIX}${String(i).padStart(5, '0')}`;

/** What the tree does with a topic listing before VS Code draws the Topics folder: returns the rows shown. */
function treeRows(listing: readonly TopicSummary[], filter: string, details?: ReadonlyMap<string, TopicDetails | Error>): TopicSummary[] {
  const sorted = listing.filter((t) => !t.internal).sort((a, b) => compareNames(a.name, b.name));
  const { shown, matching } = listedRows(sorted, (t) => t.name, filter, MAX_TOPICS_SHOWN);
  const passes = nameFilter(filter);
  const counted = sorted.filter((t) => passes(t.name)).length; // the folder's "n of N topics"
  let characters = 0;
  for (const topic of shown) {
    const d = details?.get(topic.name);
    const text = topicRowText(topic, d instanceof Error ? undefined : d, d instanceof Error ? d : undefined);
    characters += text.description.length + text.tooltip.length;
  }
  if (counted !== matching || characters === 0) throw new Error('the tree rows came out empty');
  return shown;
}

/**
 * Fails unless every described topic has details (a failed row would show "Details could not
 * be read"). Other users' topics may be deleted between the listing and the describe on the
 * shared broker: those may be missing, ours may not.
 */
function assertDescribed(details: ReadonlyMap<string, TopicDetails | Error>, names: readonly string[]): void {
  const failed = names.filter((n) => {
    const d = details.get(n);
    if (d && !(d instanceof Error)) return false;
    return n.startsWith(PREFIX) || !(d instanceof Error && /does not exist/.test(d.message));
  });
  if (failed.length > 0) {
    const first = details.get(failed[0] ?? '');
    throw new Error(`${failed.length} of ${names.length} topics were not described; first: ${failed[0] ?? ''}: ${first instanceof Error ? first.message : 'missing'}`);
  }
}

async function main(): Promise<void> {
  const names = Array.from({ length: TOPICS }, (_, i) => nameOf(i));
  const { admin, close } = await benchAdmin();
  let cleanedUp = false;
  const cleanUp = async (): Promise<void> => {
    if (cleanedUp || KEEP) return;
    cleanedUp = true;
    const existing = await topicsWithPrefix(admin, PREFIX);
    if (existing.length === 0) return;
    const deleted = await deleteTopicsInBatches(admin, existing, { onProgress: (t) => process.stdout.write(`\r  deleting: ${t}      `) });
    console.log(`\n  deleted ${fmt(existing.length)} topics: DeleteTopics accepted in ${fmt(deleted.acceptedMs / 1000, 1)} s, gone from the metadata after ${fmt(deleted.goneMs / 1000, 1)} s; ${brokerNote()}`);
  };
  process.once('SIGINT', () => { void cleanUp().finally(() => process.exit(130)); });

  try {
    console.log(`Kafka view with ${fmt(TOPICS)} topics on ${BROKER}; ${RUNS} rounds (JVM tools ${JVM_RUNS}); ${loadNote()}`);
    console.log(`  before: ${brokerNote()}`);
    const existing = new Set(await topicsWithPrefix(admin, PREFIX));
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      const created = await createTopicsInBatches(admin, missing, { onProgress: (t) => process.stdout.write(`\r  creating: ${t}      `) });
      console.log(`\n  created ${fmt(missing.length)} topics (1 partition each): CreateTopics of 1,000 at a time accepted in ${fmt(created.acceptedMs / 1000, 1)} s, all in the broker's metadata after ${fmt(created.listedMs / 1000, 1)} s`);
    } else {
      console.log(`  reusing the ${fmt(TOPICS)} topics of an earlier --keep=1 run`);
    }
    console.log(`  after creating: ${brokerNote()}`);
    const service = localService();
    const cluster = await service.listTopics();
    const total = cluster.filter((t) => !t.internal).length;
    console.log(`  the broker lists ${fmt(cluster.length)} topics (${fmt(total)} not internal)`);

    // One new service per round for the first level, as when the view opens; one warm one for the rest.
    const fresh = async <T>(work: (s: KafkaService) => Promise<T>): Promise<T> => {
      const s = localService();
      try {
        return await work(s);
      } finally {
        await s.dispose();
      }
    };
    const firstShown = treeRows(cluster, '');
    const shownNames = firstShown.map((t) => t.name);
    const expandName = nameOf(Math.floor(TOPICS / 2));
    const filters = [
      { text: nameOf(42).slice(0, -1), label: `"${nameOf(42).slice(0, -1)}" (10 matches)` },
      { text: `${PREFIX}*7`, label: `"${PREFIX}*7" (${fmt(TOPICS / 10)} matches, ${MAX_TOPICS_SHOWN} shown)` },
    ];

    const firstLevel = variant('first level shown (list + 500 rows)', () => fresh(async (s) => treeRows(await s.listTopics(), '')));
    const kcatList = variant('kcat -L', () => kcat(['-L']));
    const topicsList = variant('kafka-topics.sh --list', () => kafkaTool(TOPIC_COMMAND, ['--bootstrap-server', BROKER, '--list']), JVM_RUNS);
    const counts = variant(`counts of the ${shownNames.length} rows (describeTopics)`, async () => {
      const details = await service.describeTopics(shownNames);
      assertDescribed(details, shownNames);
      return treeRows(cluster, '', details);
    });
    const filterVariants = filters.flatMap((f) => [
      variant(`filter ${f.label}: rows shown`, () => Promise.resolve(treeRows(cluster, f.text))),
      variant(`filter ${f.label}: counts filled`, async () => {
        const shown = treeRows(cluster, f.text).map((t) => t.name);
        const details = await service.describeTopics(shown);
        assertDescribed(details, shown);
        return treeRows(cluster, f.text, details);
      }),
    ]);
    const expand = variant(`expand ${expandName} (describeTopic)`, () => service.describeTopic(expandName));
    const kcatOne = variant(`kcat -L -t ${expandName}`, () => kcat(['-L', '-t', expandName]));
    const topicsDescribe = variant('kafka-topics.sh --describe --topic', () => kafkaTool(TOPIC_COMMAND, ['--bootstrap-server', BROKER, '--describe', '--topic', expandName]), JVM_RUNS);

    const all: Variant[] = [firstLevel, kcatList, topicsList, counts, ...filterVariants, expand, kcatOne, topicsDescribe];
    await timeInterleaved(all, RUNS, (round) => process.stdout.write(`\r  round ${round}/${RUNS} done   `));
    console.log('');

    const line = (v: Variant, extra = ''): void => { console.log(`  ${v.what.padEnd(64)} ${figure(v)}${extra}`); };
    const target = (v: Variant): string => `   under 1 s: ${median(v.times) < 1000 ? 'yes' : 'NO'}`;
    console.log(`\n  median of ${RUNS} rounds (min–max); speed ratio = reference time / ours (≥ 1.0: ours as fast or faster):`);
    line(firstLevel, target(firstLevel));
    line(kcatList, `   speed ratio ${speedRatio(firstLevel, kcatList)}`);
    line(topicsList, `   speed ratio ${speedRatio(firstLevel, topicsList)} (JVM start-up included)`);
    line(counts, target(counts));
    for (const v of filterVariants) line(v, target(v));
    line(expand, target(expand));
    line(kcatOne, `   speed ratio ${speedRatio(expand, kcatOne)}`);
    line(topicsDescribe, `   speed ratio ${speedRatio(expand, topicsDescribe)} (JVM start-up included)`);
    console.log(`  process RSS of this benchmark: ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB; ${brokerNote()}; ${loadNote()}`);
    await service.dispose();
  } finally {
    await cleanUp();
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
