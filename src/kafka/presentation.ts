/**
 * How Kafka things read in the editor: counts with separators, topic and group descriptions,
 * the topic filter, and the checks of what a user types when creating a topic or resetting a
 * group (names, partitions, replication, retention, timestamps). Pure: no vscode, no DOM, so
 * the tree, the commands, the webviews and the unit tests share it. The texts of the tree's
 * topic and group rows are made here too, so bench/kafka-tree.ts times what the tree computes.
 */
import { userMessage } from '../shared/errors';
import { hiddenCharactersNote, visibleText } from '../shared/visibleText';

/** "1234567" → "1,234,567". Accepts offsets as decimal strings (64-bit) or numbers. */
export function formatCount(value: string | number | bigint): string {
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (!/^-?\d+$/.test(text)) return text;
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

/** "1 message" / "3 messages". */
export function plural(count: number | string, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${String(count) === '1' ? one : many}`;
}

/** Bytes in a short human form: 512 B, 1.5 KB, 3.2 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes))} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit] ?? 'TB'}`;
}

/** A Kafka setting's period in milliseconds, in a short human form: 7 days, 12 hours, 30 minutes, 1500 ms, forever (-1). */
export function formatPeriod(ms: number): string {
  if (ms < 0) return 'forever';
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return plural(ms / size, name);
  }
  return `${formatCount(ms)} ms`;
}

/**
 * The tree's filter as a test of one name, parsed once (the tree applies it to every topic
 * and group of a cluster). The filter is case-insensitive; several terms separated by spaces
 * or commas match when any one does; `*` and `?` are wildcards, and a term without them
 * matches anywhere in the name.
 */
export function nameFilter(filter: string): (name: string) => boolean {
  const terms = filter.split(/[\s,]+/).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  if (terms.length === 0) return () => true;
  const plain = terms.filter((t) => !/[*?]/.test(t));
  const patterns = terms
    .filter((t) => /[*?]/.test(t))
    .map((t) => new RegExp(`^${t.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (name) => {
    const lower = name.toLowerCase();
    return plain.some((t) => lower.includes(t)) || patterns.some((p) => p.test(lower));
  };
}

/** Whether a name passes the tree's filter (see nameFilter). */
export function matchesFilter(name: string, filter: string): boolean {
  return nameFilter(filter)(name);
}

/** Orders names as the tree lists them: String.localeCompare's collator, made once (10,000 names sort in a few ms). */
export const compareNames: (a: string, b: string) => number = new Intl.Collator().compare;

/** More topics (or groups) than this are not listed at once in the tree: the filter narrows them. */
export const MAX_TOPICS_SHOWN = 500;

/** What one folder of the tree shows: the items that pass the filter, the first `limit` of them, and how many match. */
export interface ListedRows<T> {
  shown: T[];
  /** Items that pass the filter; more than shown.length when the limit cut the list. */
  matching: number;
  total: number;
}

/** The rows of a folder: items (already sorted) that pass `filter`, at most `limit`, with the counts. */
export function listedRows<T>(items: readonly T[], nameOf: (item: T) => string, filter: string, limit: number): ListedRows<T> {
  const passes = nameFilter(filter);
  const shown: T[] = [];
  let matching = 0;
  for (const item of items) {
    if (!passes(nameOf(item))) continue;
    matching++;
    if (shown.length < limit) shown.push(item);
  }
  return { shown, matching, total: items.length };
}

/** The largest number of partitions the create-topic form accepts (a guard against typos). */
export const MAX_PARTITIONS = 10_000;

/** Kafka's rules for a topic name; returns a sentence saying what to change, or undefined. */
export function topicNameProblem(name: string, existing: readonly string[] = []): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the topic a name, for example orders.';
  if (trimmed === '.' || trimmed === '..') return 'A topic cannot be named "." or "..".';
  if (trimmed.length > 249) return `A topic name has at most 249 characters; this one has ${trimmed.length}.`;
  const bad = /[^a-zA-Z0-9._-]/.exec(trimmed);
  if (bad) return `"${bad[0]}" is not allowed in a topic name: use letters, digits, ".", "_" and "-".`;
  if (existing.includes(trimmed)) return `The topic "${trimmed}" exists already.`;
  const collides = existing.find((t) => t !== trimmed && t.replace(/\./g, '_') === trimmed.replace(/\./g, '_'));
  if (collides) return `"${trimmed}" collides with the topic "${collides}": Kafka treats "." and "_" alike in metric names.`;
  return undefined;
}

/** A whole number typed by the user within [min, max], or a sentence saying what is wrong. */
export function parseWholeNumber(
  text: string,
  what: string,
  min: number,
  max: number,
): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = text.trim().replace(/[_,]/g, '');
  if (!/^-?\d+$/.test(trimmed)) return { ok: false, message: `${what} must be a whole number from ${formatCount(min)} to ${formatCount(max)}.` };
  const value = Number(trimmed);
  if (value < min || value > max) {
    return { ok: false, message: `${what} must be from ${formatCount(min)} to ${formatCount(max)}; ${formatCount(trimmed)} is out of range.` };
  }
  return { ok: true, value };
}

/** Checks the replication factor against the number of brokers the cluster has. */
export function replicationProblem(text: string, brokers: number): string | undefined {
  const parsed = parseWholeNumber(text, 'The replication factor', 1, Math.max(1, brokers));
  if (parsed.ok) return undefined;
  return brokers > 0 && /^\s*\d+\s*$/.test(text) && Number(text) > brokers
    ? `The cluster has ${plural(brokers, 'broker')}, so the replication factor can be at most ${brokers}.`
    : parsed.message;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000,
};

/**
 * Retention as typed in the create-topic form: blank keeps the broker default (undefined),
 * "forever" or -1 keeps messages forever, "7d", "12h", "30m", "45s", "500ms" or plain
 * milliseconds.
 */
export function parseRetention(text: string): { ok: true; value: number | undefined } | { ok: false; message: string } {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'default') return { ok: true, value: undefined };
  if (trimmed === 'forever' || trimmed === '-1' || trimmed === 'infinite') return { ok: true, value: -1 };
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)?$/.exec(trimmed);
  if (!match) {
    return { ok: false, message: 'Write the retention like 7d, 12h, 30m or a number of milliseconds; "forever" keeps messages for ever; leave it empty for the broker default.' };
  }
  const value = Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1));
  if (value <= 0) return { ok: false, message: 'The retention must be longer than 0 ms (or "forever").' };
  return { ok: true, value };
}

/**
 * A point in time typed by a user: an ISO date-time ("2024-05-01T12:00:00Z", "2024-05-01
 * 12:00" in local time, "2024-05-01"), milliseconds since the epoch, or a time ago such as
 * "15m ago", "2h ago", "1d ago". `now` is injectable for tests.
 */
export function parseTimestamp(text: string, now = Date.now()): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = text.trim();
  const hint = 'Write a date and time like 2024-05-01 12:00 (local), 2024-05-01T10:00:00Z, milliseconds since 1970, or "2h ago".';
  if (trimmed === '') return { ok: false, message: `Give a point in time. ${hint}` };
  const ago = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)\s+ago$/i.exec(trimmed);
  if (ago) return { ok: true, value: Math.round(now - Number(ago[1]) * (DURATION_UNITS[(ago[2] ?? 'ms').toLowerCase()] ?? 1)) };
  if (/^\d{10,}$/.test(trimmed)) {
    const value = Number(trimmed);
    // 10 digits are seconds (until 2286), 13 are milliseconds.
    return { ok: true, value: trimmed.length <= 10 ? value * 1000 : value };
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(trimmed);
  if (local) {
    const [, y, mo, d, h, mi, s, frac] = local;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((frac ?? '0').padEnd(3, '0')));
    if (date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d)) return { ok: false, message: `"${trimmed}" is not a date in the calendar.` };
    return { ok: true, value: date.getTime() };
  }
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    const value = Date.parse(trimmed);
    if (!Number.isNaN(value)) return { ok: true, value };
  }
  return { ok: false, message: `"${trimmed}" is not a point in time. ${hint}` };
}

/** A timestamp as the tree and the inspector show it: local "2024-05-01 12:00:00.123". */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * Whether a group's committed offsets may be reset: Kafka refuses while the group has
 * members, so only a group whose consumers all stopped (Empty, or Dead) qualifies.
 */
export function groupCanReset(state: string): boolean {
  const lower = state.toLowerCase();
  return lower === 'empty' || lower === 'dead';
}

/** The codicon and theme color of a consumer group's state. */
export function groupStateIcon(state: string): { icon: string; color: string | undefined } {
  switch (state.toLowerCase()) {
    case 'stable': return { icon: 'pass-filled', color: 'testing.iconPassed' };
    case 'empty': return { icon: 'circle-large-outline', color: 'disabledForeground' };
    case 'preparingrebalance':
    case 'completingrebalance':
    case 'assigning':
    case 'reconciling': return { icon: 'sync', color: 'charts.yellow' };
    case 'dead': return { icon: 'error', color: 'errorForeground' };
    default: return { icon: 'organization', color: undefined };
  }
}

/** Lag as a short text and whether it deserves attention (a lag above zero). */
export function lagText(lag: string): { text: string; behind: boolean } {
  const behind = /^\d+$/.test(lag) && lag !== '0' && !/^0+$/.test(lag);
  return { text: `lag ${formatCount(lag)}`, behind };
}

/** A partition's leader, replicas and in-sync replicas, as KafkaService.describeTopic reports them. */
export interface ReplicaState {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  replicas: readonly number[];
  isr: readonly number[];
}

/** ok; under-replicated (a replica is out of the ISR); offline (no leader: nothing can be read or written). */
export type ReplicaHealth = 'ok' | 'underReplicated' | 'offline';

export interface PartitionReplicaHealth {
  health: ReplicaHealth;
  /** Replicas that are not in sync (broker ids, ascending). */
  outOfSync: number[];
  /** Short text for the partition row's description, '' when healthy. */
  mark: string;
  /** One sentence for the tooltip. */
  explanation: string;
}

function brokerList(ids: readonly number[]): string {
  return `${ids.length === 1 ? 'broker' : 'brokers'} ${ids.join(', ')}`;
}

/** Whether one partition is healthy, under-replicated or offline, and which brokers it misses. */
export function partitionReplicaHealth(p: ReplicaState): PartitionReplicaHealth {
  const outOfSync = p.replicas.filter((r) => !p.isr.includes(r)).sort((a, b) => a - b);
  if (p.leader < 0) {
    return {
      health: 'offline',
      outOfSync,
      mark: 'offline: no leader',
      explanation: `Partition ${p.partition} is offline: no leader, so it can be neither read nor written until one of its replicas (${brokerList([...p.replicas].sort((a, b) => a - b))}) is back.`,
    };
  }
  if (outOfSync.length > 0) {
    return {
      health: 'underReplicated',
      outOfSync,
      mark: `under-replicated: ${brokerList(outOfSync)} out of sync`,
      explanation: `Partition ${p.partition} is under-replicated: ${brokerList(outOfSync)} ${outOfSync.length === 1 ? 'is' : 'are'} not in sync (in sync: ${p.isr.join(', ') || 'none'}).`,
    };
  }
  return { health: 'ok', outOfSync, mark: '', explanation: `All ${plural(p.replicas.length, 'replica')} in sync.` };
}

export interface TopicReplicaHealth {
  /** The worst state of its partitions. */
  health: ReplicaHealth;
  /** Partition numbers, ascending. */
  underReplicated: number[];
  offline: number[];
  /** Brokers missing from some partition's ISR, ascending. */
  outOfSyncBrokers: number[];
  /** For the topic row's description, e.g. "1 offline · 2 under-replicated"; '' when healthy. */
  mark: string;
  /** Tooltip lines naming the partitions and the missing brokers; empty when healthy. */
  lines: string[];
}

/** The replica health of a whole topic from its partitions. */
export function topicReplicaHealth(partitions: readonly ReplicaState[]): TopicReplicaHealth {
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  const offline: number[] = [];
  const underReplicated: number[] = [];
  const missing = new Set<number>();
  for (const p of sorted) {
    const h = partitionReplicaHealth(p);
    if (h.health === 'offline') offline.push(p.partition);
    else if (h.health === 'underReplicated') underReplicated.push(p.partition);
    if (h.health !== 'ok') for (const b of h.outOfSync) missing.add(b);
  }
  const outOfSyncBrokers = [...missing].sort((a, b) => a - b);
  const parts: string[] = [];
  const lines: string[] = [];
  const named = (ids: number[]): string => `${ids.length === 1 ? 'partition' : 'partitions'} ${ids.join(', ')}`;
  if (offline.length > 0) {
    parts.push(`${formatCount(offline.length)} offline`);
    const replicas = [...new Set(sorted.filter((p) => offline.includes(p.partition)).flatMap((p) => p.replicas))].sort((a, b) => a - b);
    lines.push(`Offline (no leader): ${named(offline)}; ${replicas.length === 1 ? 'its replica is' : 'their replicas are'} on ${brokerList(replicas)}; ${offline.length === 1 ? 'its messages are' : 'their messages are'} not counted until a leader is back.`);
  }
  if (underReplicated.length > 0) {
    parts.push(`${formatCount(underReplicated.length)} under-replicated`);
    const out = [...new Set(sorted.filter((p) => underReplicated.includes(p.partition)).flatMap((p) => partitionReplicaHealth(p).outOfSync))].sort((a, b) => a - b);
    lines.push(`Under-replicated: ${named(underReplicated)}; not in sync: ${brokerList(out)}.`);
  }
  return {
    health: offline.length > 0 ? 'offline' : underReplicated.length > 0 ? 'underReplicated' : 'ok',
    underReplicated,
    offline,
    outOfSyncBrokers,
    mark: parts.join(' · '),
    lines,
  };
}

/** The codicon and theme color that mark a topic or partition row of this health (undefined: the row's usual icon). */
export function replicaHealthIcon(health: ReplicaHealth): { icon: string; color: string } | undefined {
  switch (health) {
    case 'offline': return { icon: 'error', color: 'errorForeground' };
    case 'underReplicated': return { icon: 'warning', color: 'problemsWarningIcon.foreground' };
    case 'ok': return undefined;
  }
}

/** The texts of a tree row; the tree wraps them in a TreeItem (the title bold in the tooltip). */
export interface RowText {
  /** The label, with invisible or bidirectional characters shown as \u escapes. */
  label: string;
  description: string;
  /** The tooltip's first line, to be shown bold. */
  title: string;
  /** The rest of the tooltip, plain text. */
  tooltip: string;
}

/**
 * What the topic and group rows read: KafkaService's TopicSummary, TopicDetails,
 * GroupSummary and GroupDetails fit these. Declared here rather than imported from
 * src/kafka/types.ts, whose Buffer fields need Node's types, which the webviews that import
 * this module's formatters do not have.
 */
interface TopicRowSource { name: string; partitions: number; replicationFactor: number }
interface TopicRowDetails {
  messageEstimate: string;
  configs: readonly { name: string; value: string | null; isDefault: boolean; isSensitive: boolean }[];
  partitionInfo: readonly ReplicaState[];
}
interface GroupRowSource { groupId: string; state: string; protocolType: string; members: number }
interface GroupRowDetails {
  totalLag: string;
  partitions: readonly { topic: string }[];
  members: readonly { clientId: string; host: string }[];
}

/**
 * A topic row: its partitions, and once its details are read the message estimate, the
 * retention and other settings made on the topic, and the replica health (`health` says
 * which icon the row takes). `failure` is why the details could not be read.
 */
export function topicRowText(topic: TopicRowSource, details: TopicRowDetails | undefined, failure?: unknown): RowText & { health: ReplicaHealth } {
  const name = visibleText(topic.name);
  const parts = [plural(topic.partitions, 'partition')];
  let tooltip = `${plural(topic.partitions, 'partition')}, replication factor ${topic.replicationFactor}`;
  let health: ReplicaHealth = 'ok';
  if (details) {
    parts.push(plural(details.messageEstimate, 'msg'));
    tooltip += `\nAbout ${plural(details.messageEstimate, 'message')} (end offset minus start offset)`;
    const retention = details.configs.find((c) => c.name === 'retention.ms');
    if (retention?.value) tooltip += `\nRetention: ${formatPeriod(Number(retention.value))}${retention.isDefault ? ' (broker default)' : ''}`;
    const overrides = details.configs.filter((c) => !c.isDefault && !c.isSensitive && c.name !== 'retention.ms');
    for (const c of overrides.slice(0, 12)) tooltip += `\n${c.name} = ${c.value ?? ''}`;
    const replicas = topicReplicaHealth(details.partitionInfo);
    health = replicas.health;
    if (health !== 'ok') {
      parts.push(replicas.mark);
      tooltip += `\n\n${replicas.lines.join('\n')}`;
    }
  } else if (failure !== undefined) {
    tooltip += `\nDetails could not be read: ${userMessage(failure)}`;
  }
  if (name.count > 0) tooltip += `\n\n${hiddenCharactersNote(name.count)}.`;
  return { label: name.text, description: parts.join(' · '), title: name.text, tooltip, health };
}

/**
 * A consumer group row: its state and members, and once its offsets are read its total lag,
 * topics and members' clients. Group ids, topics and client ids may hold invisible or
 * bidirectional characters: shown as \u escapes, counted in a note.
 */
export function groupRowText(group: GroupRowSource, details: GroupRowDetails | undefined): RowText {
  let hidden = 0;
  const shown = (text: string): string => {
    const visible = visibleText(text);
    hidden += visible.count;
    return visible.text;
  };
  const label = shown(group.groupId);
  const parts = [group.state || 'Unknown', plural(group.members, 'member')];
  let tooltip = `State: ${group.state}\nMembers: ${group.members}\nProtocol: ${group.protocolType || 'none'}`;
  if (details) {
    parts.push(lagText(details.totalLag).text);
    const topics = [...new Set(details.partitions.map((p) => p.topic))];
    if (topics.length > 0) tooltip += `\nTopics: ${shown(topics.join(', '))}`;
    tooltip += `\nTotal lag: ${formatCount(details.totalLag)}`;
    for (const m of details.members.slice(0, 10)) tooltip += `\nMember ${shown(m.clientId)} on ${shown(m.host)}`;
  }
  if (groupCanReset(group.state)) tooltip += '\n\nThe group has no running consumers: its offsets can be reset.';
  if (hidden > 0) tooltip += `\n\n${hiddenCharactersNote(hidden)}.`;
  return { label, description: parts.join(' · '), title: label, tooltip };
}
