/**
 * Benchmark: the Kafka view's Consumer Groups with 1,000 groups, beside Kafka's own
 * kafka-consumer-groups.sh. It makes the groups on the native stack's broker without running
 * 1,000 consumers: 10 topics of 3 partitions (1,000 messages each), then for each group one
 * OffsetCommit as a "simple" group (generation -1, no member: what Kafka's own admin client
 * sends to alter a stopped group's offsets) on 2 of the topics, so every group has 6
 * committed offsets and a lag. Everything is named zz-scale-group… and deleted at the end
 * (also on Ctrl-C). Before timing, the lag of every group is checked against
 * kafka-consumer-groups.sh's.
 *
 * Timed, as median of N interleaved rounds after a warm-up, each on a new KafkaService:
 * - groups list shown: KafkaService.listGroups and the tree's rows (state and members);
 * - the tree: that, then the lags of the 500 rows shown (KafkaService.describeGroups);
 * - all groups with their lag: listGroups + describeGroups of every group — beside
 *   `kafka-consumer-groups.sh --describe --all-groups` (JVM start-up included: that is what
 *   its user waits for), and the same through one request per group (what brokers older than
 *   Kafka 3.0 get);
 * - the filter over the groups, and expanding one group (describeGroup) beside
 *   `kafka-consumer-groups.sh --describe --group`.
 *
 *   node --import tsx bench/kafka-groups.ts [--groups=1000] [--runs=5] [--jvm-runs=3] [--keep=1]
 */
import type { GroupReadOptions } from '../src/kafka/clusterReads';
import { createWireCluster } from '../src/kafka/kafkajsInternals';
import type { KafkaService } from '../src/kafka/kafkaService';
import type { GroupDetails, GroupSummary } from '../src/kafka/types';
import { WorkbenchError } from '../src/shared/errors';
import { groupRowText, listedRows, MAX_TOPICS_SHOWN } from '../src/kafka/presentation';
import { BROKER, flag, fmt, loadNote, localService, median } from './lib/kafkaBench';
import {
  benchAdmin, brokerNote, CONSUMER_GROUP_COMMAND, createTopicsInBatches, deleteTopicsInBatches, figure, kafkaTool,
  speedRatio, timeInterleaved, topicsWithPrefix, variant, type Variant,
} from './lib/scaleBench';

const GROUPS = flag('groups', 1000);
const RUNS = flag('runs', 5);
const JVM_RUNS = flag('jvm-runs', 3);
const KEEP = process.argv.includes('--keep=1');
const TOPICS = 10;
const PARTITIONS = 3;
const PER_PARTITION = 1000;
const TOPIC_PREFIX = 'zz-scale-groups-topic-';
const GROUP_PREFIX = 'zz-scale-group-';

const topicName = (i: number): string => `${TOPIC_PREFIX}${i}`;
const groupName = (i: number): string => `${GROUP_PREFIX}${String(i).padStart(5, '0')}`;
/** The committed offset of group `g` on its `k`-th topic's partition `p`: below the end, so every group lags. */
const committedOffset = (g: number, k: number, p: number): number => (g * 7 + k * 13 + p * 101) % PER_PARTITION;

/** kafkajs's Broker as far as the setup uses it (bench only: the workbench itself never commits offsets this way). */
interface CommitBroker {
  offsetCommit(request: { groupId: string; groupGenerationId: number; memberId: string; retentionTime: number; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<{ responses: { partitions: { errorCode: number }[] }[] }>;
}

/** Commits every group's offsets as a simple group (no member, generation -1), 20 groups at a time. */
async function commitGroups(groups: readonly number[]): Promise<void> {
  const cluster = createWireCluster({ brokers: [BROKER], clientId: 'workbench-scale-bench' });
  await cluster.connect();
  try {
    const coordinatorOf = cluster as unknown as { findGroupCoordinator(request: { groupId: string }): Promise<CommitBroker> };
    let next = 0;
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < groups.length) {
        const g = groups[next++] as number;
        const broker = await coordinatorOf.findGroupCoordinator({ groupId: groupName(g) });
        const topics = [g % TOPICS, (g + 3) % TOPICS].map((t, k) => ({
          topic: topicName(t),
          partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, offset: String(committedOffset(g, k, p)) })),
        }));
        const answer = await broker.offsetCommit({ groupId: groupName(g), groupGenerationId: -1, memberId: '', retentionTime: -1, topics });
        const failed = answer.responses.flatMap((r) => r.partitions).find((p) => p.errorCode !== 0);
        if (failed) throw new Error(`OffsetCommit for ${groupName(g)} failed with error code ${failed.errorCode}`);
      }
    }));
  } finally {
    await cluster.disconnect();
  }
}

/** The total lag of each group as kafka-consumer-groups.sh --describe prints it (its LAG column). */
function lagsFromTool(output: string): Map<string, bigint> {
  const lags = new Map<string, bigint>();
  for (const line of output.split('\n')) {
    const [group, , partition, , , lag] = line.trim().split(/\s+/);
    if (!group?.startsWith(GROUP_PREFIX) || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(lag ?? '')) continue;
    lags.set(group, (lags.get(group) ?? 0n) + BigInt(lag ?? '0'));
  }
  return lags;
}

/** What the tree does with a group listing (rows and their texts); returns the groups shown. */
function treeRows(groups: readonly GroupSummary[], filter: string, details?: ReadonlyMap<string, GroupDetails | WorkbenchError>): GroupSummary[] {
  const { shown } = listedRows(groups, (g) => g.groupId, filter, MAX_TOPICS_SHOWN);
  let characters = 0;
  for (const group of shown) {
    const d = details?.get(group.groupId);
    const text = groupRowText(group, d instanceof WorkbenchError ? undefined : d);
    characters += text.description.length + text.tooltip.length;
  }
  if (characters === 0 && shown.length > 0) throw new Error('the tree rows came out empty');
  return shown;
}

function assertLags(details: ReadonlyMap<string, GroupDetails | WorkbenchError>, ids: readonly string[]): void {
  const failed = ids.filter((id) => { const d = details.get(id); return d === undefined || d instanceof WorkbenchError; });
  if (failed.length > 0) {
    const first = details.get(failed[0] ?? '');
    throw new Error(`${failed.length} of ${ids.length} groups were not described; first: ${failed[0] ?? ''}: ${first instanceof Error ? first.message : 'missing'}`);
  }
}

async function main(): Promise<void> {
  const { admin, close } = await benchAdmin();
  const groupIds = Array.from({ length: GROUPS }, (_, g) => groupName(g));
  let cleanedUp = false;
  const cleanUp = async (): Promise<void> => {
    if (cleanedUp || KEEP) return;
    cleanedUp = true;
    const started = performance.now();
    const listed = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(GROUP_PREFIX));
    if (listed.length > 0) {
      const results = await admin.deleteGroups(listed);
      const refused = results.filter((r) => r.errorCode !== undefined && r.errorCode !== 0);
      if (refused.length > 0) console.log(`  ${refused.length} groups could not be deleted (first: ${refused[0]?.groupId ?? ''})`);
    }
    const topics = await topicsWithPrefix(admin, TOPIC_PREFIX);
    if (topics.length > 0) await deleteTopicsInBatches(admin, topics);
    console.log(`  deleted ${fmt(listed.length)} groups and ${topics.length} topics in ${fmt((performance.now() - started) / 1000, 1)} s; ${brokerNote()}`);
  };
  process.once('SIGINT', () => { void cleanUp().finally(() => process.exit(130)); });

  try {
    console.log(`Consumer groups: ${fmt(GROUPS)} groups with committed offsets on ${BROKER}; ${RUNS} rounds (JVM tools ${JVM_RUNS}); ${loadNote()}`);
    console.log(`  before: ${brokerNote()}`);
    const setupStarted = performance.now();
    const topics = Array.from({ length: TOPICS }, (_, t) => topicName(t));
    const existingTopics = new Set(await topicsWithPrefix(admin, TOPIC_PREFIX));
    const service = localService();
    const newTopics = topics.filter((t) => !existingTopics.has(t));
    if (newTopics.length > 0) {
      await createTopicsInBatches(admin, newTopics, { partitions: PARTITIONS });
      for (const topic of newTopics) {
        const produced = await service.produce(Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({ value: `m${i}`, partition: i % PARTITIONS })), { topic });
        if (produced.sent !== PARTITIONS * PER_PARTITION) throw new Error(`Producing to ${topic} failed: ${produced.errors[0]?.message ?? ''}`);
      }
    }
    const existingGroups = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const newGroups = Array.from({ length: GROUPS }, (_, g) => g).filter((g) => !existingGroups.has(groupName(g)));
    const commitStarted = performance.now();
    await commitGroups(newGroups);
    console.log(`  made ${TOPICS} topics × ${PARTITIONS} partitions × ${fmt(PER_PARTITION)} messages and committed offsets for ${fmt(newGroups.length)} groups (${fmt((performance.now() - commitStarted) / 1000, 1)} s of OffsetCommit, ${fmt((performance.now() - setupStarted) / 1000, 1)} s in all); ${brokerNote()}`);

    // Check first: the lag of every group is what Kafka's own tool says.
    const toolLags = lagsFromTool(await kafkaTool(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', BROKER, '--describe', '--all-groups']));
    const ours = await service.describeGroups(groupIds);
    assertLags(ours, groupIds);
    const differing = groupIds.filter((id) => { const d = ours.get(id); return d instanceof WorkbenchError || d === undefined || BigInt(d.totalLag) !== toolLags.get(id); });
    if (toolLags.size < GROUPS || differing.length > 0) throw new Error(`The lags differ from kafka-consumer-groups.sh's for ${differing.length} groups (it listed ${toolLags.size}); first: ${differing[0] ?? ''}`);
    console.log(`  checked: the total lag of all ${fmt(GROUPS)} groups equals kafka-consumer-groups.sh's`);

    const fresh = async <T>(work: (s: KafkaService) => Promise<T>): Promise<T> => {
      const s = localService();
      try {
        return await work(s);
      } finally {
        await s.dispose();
      }
    };
    const allLags = (options: GroupReadOptions) => fresh(async (s) => {
      const groups = await s.listGroups(options);
      const ids = groups.map((g) => g.groupId);
      const details = await s.describeGroups(ids, options);
      assertLags(details, ids);
      return details;
    });
    const groupsNow = await service.listGroups();
    const expandId = groupName(Math.floor(GROUPS / 2));

    const listShown = variant('groups list shown (listGroups + rows)', () => fresh(async (s) => treeRows(await s.listGroups(), '')));
    const treeWithLags = variant(`the tree: list + lags of the ${Math.min(MAX_TOPICS_SHOWN, groupsNow.length)} rows shown`, () => fresh(async (s) => {
      const groups = await s.listGroups();
      const shown = treeRows(groups, '').map((g) => g.groupId);
      const details = await s.describeGroups(shown);
      assertLags(details, shown);
      return treeRows(groups, '', details);
    }));
    const everyLag = variant(`all ${fmt(groupsNow.length)} groups with their lag`, () => allLags({}));
    const perGroup = variant('the same, one request per group (brokers before Kafka 3.0)', () => allLags({ batched: false }));
    const tool = variant('kafka-consumer-groups.sh --describe --all-groups', () => kafkaTool(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', BROKER, '--describe', '--all-groups']), JVM_RUNS);
    const filter = variant(`filter "${groupName(42).slice(0, -1)}" over ${fmt(groupsNow.length)} groups: rows shown`, () => Promise.resolve(treeRows(groupsNow, groupName(42).slice(0, -1))));
    const expand = variant(`expand ${expandId} (describeGroup)`, () => service.describeGroup(expandId));
    const toolOne = variant('kafka-consumer-groups.sh --describe --group', () => kafkaTool(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', BROKER, '--describe', '--group', expandId]), JVM_RUNS);

    const all: Variant[] = [listShown, treeWithLags, everyLag, perGroup, tool, filter, expand, toolOne];
    await timeInterleaved(all, RUNS, (round) => process.stdout.write(`\r  round ${round}/${RUNS} done   `));
    console.log('');

    const line = (v: Variant, extra = ''): void => { console.log(`  ${v.what.padEnd(64)} ${figure(v)}${extra}`); };
    const target = (v: Variant): string => `   under 1 s: ${median(v.times) < 1000 ? 'yes' : 'NO'}`;
    console.log(`\n  median of ${RUNS} rounds (min–max); speed ratio = reference time / ours (≥ 1.0: ours as fast or faster):`);
    line(listShown, target(listShown));
    line(treeWithLags, target(treeWithLags));
    line(everyLag, `   speed ratio ${speedRatio(everyLag, tool)} vs kafka-consumer-groups.sh`);
    line(perGroup, `   speed ratio ${speedRatio(perGroup, tool)} vs kafka-consumer-groups.sh`);
    line(tool);
    line(filter, target(filter));
    line(expand, target(expand));
    line(toolOne, `   speed ratio ${speedRatio(expand, toolOne)} (JVM start-up included)`);
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
