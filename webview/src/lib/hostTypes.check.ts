/**
 * Compile-time checks of the typed protocol (src/shared/protocol.ts), never bundled or run:
 * `npm run typecheck` fails when a line marked @ts-expect-error compiles, so a notification
 * or request that is renamed, or given the wrong params, on one side of a panel fails on the
 * other. Each panel's host (src/panels) is typed by the same …Methods and …Notifications.
 */
import type { InspectorMethods, InspectorNotifications, TraceMethods, TraceNotifications } from '../../../src/shared/protocol';
import type { HostConnection } from './host';

export function protocolChecks(inspector: HostConnection<InspectorMethods, InspectorNotifications>, trace: HostConnection<TraceMethods, TraceNotifications>): void {
  inspector.on('status', (status) => { status.state satisfies string; });
  // @ts-expect-error: the inspector's host sends no 'rows' notification (rows are a request).
  inspector.on('rows', () => undefined);
  // @ts-expect-error: a preset is not a status.
  inspector.on('preset', (preset: InspectorNotifications['status']) => preset);
  void inspector.request('rows', { from: 0, to: 10 });
  // @ts-expect-error: 'row' is not a request of the inspector.
  void inspector.request('row', { from: 0, to: 10 });
  // @ts-expect-error: 'rows' takes a range, not an id.
  void inspector.request('rows', { id: 1 });
  trace.on('trace', (view) => { view.steps satisfies unknown[]; });
  // @ts-expect-error: the trace panel's notification is 'trace'.
  trace.on('traceView', () => undefined);
}
