/**
 * What showing invisible and bidirectional characters as escapes costs the Message Inspector
 * (src/shared/visibleText.ts, src/shared/inspectorDisplay.ts). No stack needed. Measured:
 * a page of 1,000 rows made by the host (rowOf) and turned into key and value cells as the
 * webview does (cellOf), with no hidden character (the fast path) and with one in every key
 * and value; the detail pane's check of a 1 MiB value; the parts of a 1 MiB value holding
 * 100,000 zero-width spaces (styled up to MAX_STYLED_ESCAPES); and a search of 100,000
 * buffered messages for a word, for the character pasted, and for its escape typed as shown.
 *
 *   node --import tsx bench/visible-text.ts [--runs=20]
 */
import { MessageBuffer } from '../src/kafka/messageBuffer';
import type { KafkaRecord } from '../src/kafka/types';
import { cellOf, MAX_STYLED_ESCAPES } from '../src/shared/inspectorDisplay';
import { rowOf } from '../src/panels/inspectorSource';
import { hasHiddenCharacters, visibleParts } from '../src/shared/visibleText';

const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 20);
const RLO = String.fromCodePoint(0x202e);
const ZWSP = String.fromCodePoint(0x200b);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(label: string, work: () => unknown): void {
  work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  console.log(`${label.padEnd(62)} ${median(samples).toFixed(2).padStart(8)} ms (median of ${runs})`);
}

function record(i: number, mark: string): KafkaRecord {
  const key = Buffer.from(`order-${i}${mark}`);
  const value = Buffer.from(JSON.stringify({ order_id: i, customer: 'Jane Doe', amount: '12.50', file: `invoice${mark}.pdf`, note: 'x'.repeat(120) }));
  return { topic: 't', partition: i % 3, offset: String(i), timestamp: i, key, value, headers: [], size: key.length + value.length };
}

const plain = Array.from({ length: 1000 }, (_, i) => record(i, ''));
const marked = Array.from({ length: 1000 }, (_, i) => record(i, RLO));
const page = (records: KafkaRecord[], cells: boolean): void => {
  for (const [i, r] of records.entries()) {
    const row = rowOf(i, r);
    if (cells) {
      cellOf(row, 'key');
      cellOf(row, 'value');
    }
  }
};

console.log(`Node ${process.version}`);
time('page of 1,000 rows: rowOf only (the host before this change)', () => { page(plain, false); });
time('page of 1,000 rows: rowOf + key and value cells, none hidden', () => { page(plain, true); });
time('page of 1,000 rows: rowOf + cells, U+202E in every key and value', () => { page(marked, true); });

const big = 'a'.repeat(1024 * 1024);
time('detail: 1 MiB value without hidden characters (one test)', () => hasHiddenCharacters(big));
const zwsp = `a${ZWSP}`.repeat(100_000);
time(`detail: parts of 100,000 zero-width spaces (${MAX_STYLED_ESCAPES} styled)`, () => visibleParts(zwsp, MAX_STYLED_ESCAPES));

const buffer = new MessageBuffer({ maxRecords: 100_000, maxBytes: 512 * 1024 * 1024 });
buffer.append(Array.from({ length: 100_000 }, (_, i) => record(i, i % 1000 === 0 ? RLO : '')));
// Each search starts from no filter, so none is refined from the matches of the one before.
const search = (text: string): number => {
  buffer.setFilter(undefined);
  return buffer.setFilter({ text });
};
console.log(`search matches: "invoice" ${search('invoice')}, pasted U+202E ${search(RLO)}, typed \\u202E ${search('\\u202E')}`);
time('search 100,000 messages: "invoice"', () => search('invoice'));
time('search 100,000 messages: U+202E pasted', () => search(RLO));
time('search 100,000 messages: \\u202E typed as shown', () => search('\\u202E'));
