/**
 * Test Connection for a Kafka connection: one describe of the cluster (brokers, controller,
 * cluster id) and one metadata request (topics), through the same KafkaService the views use,
 * so what it reports is what the Kafka view will see. A failure reaches the caller as the
 * service's WorkbenchError, whose sentence names the broker and what to change.
 */
import type { KafkaService } from './kafkaService';
import type { BrokerInfo } from './types';

/** What a Kafka connection test found. */
export interface KafkaTestReport {
  clusterId: string;
  brokers: BrokerInfo[];
  /** Node id of the active controller, or null when the cluster does not say. */
  controller: number | null;
  topics: number;
  internalTopics: number;
  elapsedMs: number;
}

export type TestedKafka = Pick<KafkaService, 'describeCluster' | 'listTopics'>;

export async function testKafkaConnection(service: TestedKafka): Promise<KafkaTestReport> {
  const started = performance.now();
  const cluster = await service.describeCluster();
  const topics = await service.listTopics();
  const internalTopics = topics.filter((t) => t.internal).length;
  return {
    clusterId: cluster.clusterId,
    brokers: cluster.brokers,
    controller: cluster.controller,
    topics: topics.length - internalTopics,
    internalTopics,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * The notification's sentence: "Kafka "Local stack": 1 broker (1 at 127.0.0.1:9092), 1 controller
 * (broker 1), 12 topics and 2 internal, cluster MkU3OEVBNTcwNTJENDM2Qk, answered in 84 ms."
 */
export function kafkaTestSummary(name: string, report: KafkaTestReport): string {
  const shown = report.brokers.slice(0, 3).map((b) => `${b.nodeId} at ${b.host}:${b.port}`).join(', ');
  const more = report.brokers.length > 3 ? `, and ${report.brokers.length - 3} more` : '';
  const controller = report.controller === null ? 'no controller reported' : `1 controller (broker ${report.controller})`;
  return `Kafka "${name}": ${count(report.brokers.length, 'broker')} (${shown}${more}), ${controller}, ` +
    `${count(report.topics, 'topic')} and ${report.internalTopics.toLocaleString('en-US')} internal, cluster ${report.clusterId}, answered in ${report.elapsedMs} ms.`;
}
