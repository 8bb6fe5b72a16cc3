/**
 * How long something took, as people read it. Two precisions: whole seconds and minutes for
 * Airflow runs and tasks and DAG tests (`formatDuration`), and milliseconds for the steps of a
 * message's journey, which are often under a second (`formatDurationMs`). A Kafka setting's
 * period ("7 days", "forever") is another thing: `formatPeriod` in src/kafka/presentation.ts.
 * Pure: no vscode, no DOM.
 */

/** "0.4 s", "12 s", "3 min 05 s", "2 h 07 min"; an em dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** "340 ms", "1.2 s", "3 min 5 s"; an em dash when unknown. */
export function formatDurationMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
