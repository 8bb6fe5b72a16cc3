/**
 * What the Schemas rows show about subjects, read from the registry with a bounded number of
 * requests at once: each subject's type, latest version and id, number of versions and own
 * compatibility level, beside the global level. One subject that fails (deleted meanwhile)
 * carries its own error; the others still show.
 */
import { mapLimited, type SubjectSummary } from './presentation';
import type { SchemaRegistryClient } from './registryClient';

/** At most this many registry requests at once from one listing. */
export const SUBJECT_LOAD_CONCURRENCY = 4;

export type SubjectSummaryResult = { subject: string; summary: SubjectSummary } | { subject: string; error: unknown };

export type SummaryClient = Pick<SchemaRegistryClient, 'getCompatibilityLevel' | 'getSubjectVersion' | 'listVersions' | 'getSubjectCompatibilityLevel'>;

export async function loadSubjectSummaries(client: SummaryClient, subjects: readonly string[]): Promise<SubjectSummaryResult[]> {
  const globalLevel = await client.getCompatibilityLevel();
  return mapLimited(subjects, SUBJECT_LOAD_CONCURRENCY, async (subject): Promise<SubjectSummaryResult> => {
    try {
      const [latest, versions, ownLevel] = await Promise.all([
        client.getSubjectVersion(subject, 'latest'),
        client.listVersions(subject),
        client.getSubjectCompatibilityLevel(subject),
      ]);
      return { subject, summary: { schemaType: latest.schemaType, latestVersion: latest.version, latestId: latest.id, versions: versions.length, ownLevel, globalLevel } };
    } catch (error) {
      return { subject, error };
    }
  });
}
