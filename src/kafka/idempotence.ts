/**
 * The idempotent producer's bookkeeping for one partition, and what a Produce answer means
 * for a batch, after the Java client (KIP-98 idempotence, KIP-360 epoch bumps). Pure: no
 * network; src/kafka/producer.ts does the sending and unit tests check the rules.
 *
 * The broker accepts a batch of producer id P, epoch E and base sequence S only when S
 * follows the last sequence it wrote for (P, E) in that partition, and answers a resend of
 * one of its last five batches with that batch's original offset instead of writing it
 * again. So the producer keeps at most five batches in flight per partition, gives each the
 * next sequence once, and resends a batch that got no answer with the SAME sequence, in
 * order, until it is acknowledged.
 */
import { incrementSequence } from './recordBatch';

/** Batches of one partition a broker de-duplicates (the last five it wrote per producer). */
export const MAX_IN_FLIGHT_PER_PARTITION = 5;

/** Epochs are int16; past this the producer would need a new producer id. */
export const MAX_PRODUCER_EPOCH = 32_767;

/** A batch as the bookkeeping sees it; the producer's own batch type extends it. */
export interface SequencedBatch {
  /** Records in the batch: the sequence advances by this much. */
  readonly count: number;
  baseSequence: number;
  epoch: number;
  /**
   * The batch's sequence or epoch changed after it was first given (a batch before it was
   * rejected, or the epoch was bumped). An OUT_OF_ORDER_SEQUENCE_NUMBER answer to it then
   * means "resend", never "the broker lost this producer's state" (Java's sequenceHasBeenReset).
   */
  resequenced: boolean;
}

/** Sequence numbers of one partition: given in send order, kept for resends, released when acknowledged. */
export class PartitionSequences<B extends SequencedBatch> {
  private nextSequence = 0;
  /** Batches given a sequence and not yet acknowledged or rejected, in sequence order. */
  private readonly open: B[] = [];

  constructor(private currentEpoch: number) {}

  get epoch(): number {
    return this.currentEpoch;
  }

  /** The sequence the next new batch gets. */
  get next(): number {
    return this.nextSequence;
  }

  /** Batches with a sequence that are neither acknowledged nor rejected, in sequence order. */
  get unresolved(): readonly B[] {
    return this.open;
  }

  /** Gives `batch` the next sequence under the current epoch. Call in the order the batches will be sent. */
  assign(batch: B): void {
    batch.baseSequence = this.nextSequence;
    batch.epoch = this.currentEpoch;
    this.nextSequence = incrementSequence(this.nextSequence, batch.count);
    this.open.push(batch);
  }

  /** True when every batch before `batch` is acknowledged or rejected: the broker expects it next. */
  isNext(batch: B): boolean {
    return this.open[0] === batch;
  }

  /** The broker wrote `batch` (or had written it before). */
  acknowledge(batch: B): void {
    const at = this.open.indexOf(batch);
    if (at >= 0) this.open.splice(at, 1);
  }

  /**
   * The broker refused `batch` for good (it was not written): the batches after it move down
   * by its record count so the broker sees no gap, and are marked resequenced. Valid because
   * a broker writes nothing after a gap, so none of them can have been written either.
   */
  reject(batch: B): void {
    const at = this.open.indexOf(batch);
    if (at < 0) return;
    this.open.splice(at, 1);
    for (let i = at; i < this.open.length; i++) {
      const later = this.open[i] as B;
      later.baseSequence = incrementSequence(later.baseSequence, 2 ** 31 - batch.count);
      later.resequenced = true;
    }
    this.nextSequence = incrementSequence(this.nextSequence, 2 ** 31 - batch.count);
  }

  /**
   * Starts a new epoch for this partition (KIP-360, as the Java client does for an idempotent
   * producer whose partition state the broker lost): the open batches are renumbered from 0
   * in order and marked resequenced. Throws when the epoch would overflow.
   */
  bumpEpoch(): void {
    if (this.currentEpoch >= MAX_PRODUCER_EPOCH) throw new RangeError(`The producer epoch is at its limit (${MAX_PRODUCER_EPOCH}).`);
    this.currentEpoch += 1;
    let sequence = 0;
    for (const batch of this.open) {
      batch.baseSequence = sequence;
      batch.epoch = this.currentEpoch;
      batch.resequenced = true;
      sequence = incrementSequence(sequence, batch.count);
    }
    this.nextSequence = sequence;
  }
}

/**
 * What to do with a batch after the broker's answer:
 * - acknowledged: written; the answer has its offset.
 * - duplicate: written before (DUPLICATE_SEQUENCE_NUMBER, from brokers that no longer know
 *   its offset): counts as acknowledged, offset unknown.
 * - retry: resend it with the same sequence once the partition's leader is known again.
 * - retryNewEpoch: the broker has no trace of the sequences before it (it lost this
 *   producer's state): bump the partition's epoch, renumber from 0, resend.
 * - rejected: refused for good and not written (too large, invalid record, not authorized).
 * - fatal: this producer may not go on (fenced by a newer epoch, or not authorized to write
 *   idempotently): stop the run.
 */
export type ProduceVerdict = 'acknowledged' | 'duplicate' | 'retry' | 'retryNewEpoch' | 'rejected' | 'fatal';

const FATAL_TYPES = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_ID_MAPPING',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/**
 * The verdict on `batch` for a protocol error (`undefined` for none), as the Java client's
 * Sender and TransactionManager.canRetry decide it for an idempotent producer.
 */
export function produceVerdict<B extends SequencedBatch>(
  error: { type?: string; retriable?: boolean } | undefined,
  batch: B,
  sequences: PartitionSequences<B>,
): ProduceVerdict {
  if (error === undefined) return 'acknowledged';
  const type = error.type ?? '';
  if (type === 'DUPLICATE_SEQUENCE_NUMBER') return 'duplicate';
  if (type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || type === 'UNKNOWN_PRODUCER_ID') {
    // A batch behind an unacknowledged one is out of order because that one is being
    // resent: resend it after. Only the batch the broker should expect next, with its
    // original numbering, shows that the broker lost track of this producer.
    return batch.resequenced || !sequences.isNext(batch) ? 'retry' : 'retryNewEpoch';
  }
  if (FATAL_TYPES.has(type)) return 'fatal';
  return error.retriable === true ? 'retry' : 'rejected';
}

/** Wait before resend number `attempt` (0 first): 100 ms doubling to 1 s, ±20 % (Java's retry.backoff.ms and retry.backoff.max.ms). */
export function retryBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(1000, 100 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}
