/**
 * Test Connection for a Kafka connection's schema registry: the schema types it serves (no
 * subject needed, so it proves the URL is the registry's API), the global compatibility level
 * and the number of subjects (a signed-in request, so refused credentials fail the test). A
 * failure reaches the caller as the client's own error, which names the URL and what to do.
 */
import type { CompatibilityLevel, SchemaRegistryClient } from './registryClient';

export interface RegistryTestReport {
  types: string[];
  compatibility: CompatibilityLevel;
  subjects: number;
  elapsedMs: number;
}

export type TestedRegistry = Pick<SchemaRegistryClient, 'getSchemaTypes' | 'getCompatibilityLevel' | 'listSubjects'>;

export async function testRegistryConnection(client: TestedRegistry): Promise<RegistryTestReport> {
  const started = performance.now();
  const types = await client.getSchemaTypes();
  const compatibility = await client.getCompatibilityLevel();
  const subjects = (await client.listSubjects()).length;
  return { types, compatibility, subjects, elapsedMs: Math.round(performance.now() - started) };
}

/** "Schema registry of "Local stack" at http://127.0.0.1:8085: AVRO, JSON, PROTOBUF, compatibility BACKWARD, 3 subjects, answered in 12 ms." */
export function registryTestSummary(connectionName: string, url: string, report: RegistryTestReport): string {
  const subjects = `${report.subjects.toLocaleString('en-US')} ${report.subjects === 1 ? 'subject' : 'subjects'}`;
  return `Schema registry of "${connectionName}" at ${url}: ${[...report.types].sort().join(', ')}, compatibility ${report.compatibility}, ${subjects}, answered in ${report.elapsedMs} ms.`;
}
