/**
 * The trace timeline in its webview: one message's journey (or one consumer run's batch)
 * from Kafka through the batch consumer, the message history, the dataset events and the
 * downstream runs. Each step shows its state, time, duration and actions; steps not reached
 * yet say what they wait for. The host (src/panels/tracePanel.ts) posts a new TraceView while
 * it polls. vscode-elements in the editor's theme; every text goes in through textContent,
 * and invisible or bidirectional characters in ids and URIs show as styled `\u202E` escapes
 * with the view's note under the title.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { tracePageStateOf } from '../../src/shared/panelState';
import type { TraceMethods, TraceNotifications, TracePageState, TraceStepStatusView, TraceStepView, TraceView } from '../../src/shared/protocol';
import { visibleLabel } from '../../src/shared/visibleText';
import { el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';
import { VISIBLE_TEXT_CSS, visibleNodes } from './lib/visibleText';

const STYLES = `
body { padding: 0 20px 24px; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
main { max-width: 860px; }
h1 { font-size: 1.4em; font-weight: 600; margin: 18px 0 4px; overflow-wrap: anywhere; }
.lead { color: var(--vscode-descriptionForeground); margin: 0 0 12px; }
.bar { display: flex; gap: 10px; align-items: center; min-height: 26px; color: var(--vscode-descriptionForeground); }
.alert { padding: 8px 10px; margin: 10px 0; border-radius: 2px; white-space: pre-wrap;
  border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
.slowest { padding: 8px 10px; margin: 10px 0; border-left: 3px solid var(--vscode-editorWarning-foreground); background: var(--vscode-textBlockQuote-background); }
.counts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 16px; }
.counts dt { color: var(--vscode-descriptionForeground); }
.counts dd { margin: 0; font-family: var(--vscode-editor-font-family); }
ol.timeline { list-style: none; padding: 0; margin: 12px 0; }
ol.timeline li { display: grid; grid-template-columns: 24px 1fr; gap: 0 10px; padding: 0 0 14px; position: relative; }
ol.timeline li::before { content: ''; position: absolute; left: 11px; top: 22px; bottom: 0; border-left: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
ol.timeline li:last-child::before { display: none; }
.icon { font-size: 16px; line-height: 20px; }
.status-done .icon { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
.status-active .icon { color: var(--vscode-charts-blue); }
.status-waiting .icon, .status-waiting .title { color: var(--vscode-descriptionForeground); }
.status-failed .icon { color: var(--vscode-testing-iconFailed, var(--vscode-errorForeground)); }
.title { font-weight: 600; }
.meta { color: var(--vscode-descriptionForeground); font-size: 0.92em; }
.detail { font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; margin: 2px 0 4px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }
${VISIBLE_TEXT_CSS}
`;

const host = new HostConnection<TraceMethods, TraceNotifications>();

const ICONS: Record<TraceStepStatusView, string> = {
  done: 'pass-filled',
  active: 'loading',
  waiting: 'circle-large-outline',
  failed: 'error',
};

const root = document.getElementById('root') ?? document.body;
const refreshButton = el('vscode-button', { secondary: true, icon: 'refresh', title: 'Load the trace again' }, 'Refresh');
refreshButton.addEventListener('click', () => {
  host.request('refresh', {}).catch((error: unknown) => { showProblem(error); });
});
const problem = el('div', { class: 'alert', role: 'alert', hidden: true });

function showProblem(error: unknown): void {
  problem.textContent = error instanceof Error ? error.message : String(error);
  problem.hidden = false;
}

function stepItem(step: TraceStepView, index: number): HTMLLIElement {
  const when = [step.at ? new Date(step.at).toLocaleString() : null, step.duration ? `took ${step.duration}` : null].filter(Boolean).join(' · ');
  const actions = el('div', { class: 'actions' });
  step.links.forEach((link, linkIndex) => {
    const label = visibleLabel(link.label);
    const button = el('vscode-button', { secondary: true, icon: link.icon, title: label }, label);
    button.addEventListener('click', () => {
      host.request('openLink', { step: index, link: linkIndex }).catch((error: unknown) => { showProblem(error); });
    });
    actions.append(button);
  });
  return el('li', { class: `status-${step.status}`, 'data-kind': step.kind },
    el('span', { class: `icon codicon codicon-${ICONS[step.status]}${step.status === 'active' ? ' codicon-modifier-spin' : ''}`, 'aria-label': step.status }),
    el('div', {},
      el('div', {}, el('span', { class: 'title' }, ...visibleNodes(step.title)), ' ', el('span', { class: 'meta' }, when)),
      el('div', { class: 'detail' }, ...visibleNodes(step.detail)),
      step.links.length > 0 ? actions : null,
    ),
  );
}

function render(view: TraceView): void {
  problem.hidden = view.error === null;
  problem.textContent = view.error ?? '';
  const status = view.watching
    ? el('span', { class: 'bar' }, el('vscode-progress-ring', { style: 'width: 16px; height: 16px' }), 'Updating while runs are active…')
    : el('span', {}, `Updated ${new Date(view.updatedAt).toLocaleTimeString()}`);
  replaceChildren(root,
    el('main', {},
      el('h1', {}, ...visibleNodes(view.title)),
      el('p', { class: 'lead' }, ...visibleNodes(view.subtitle)),
      view.note ? el('p', { class: 'hidden-note', id: 'trace-note', role: 'note' }, view.note) : null,
      el('div', { class: 'bar' }, refreshButton, status),
      problem,
      view.slowest ? el('div', { class: 'slowest' }, ...visibleNodes(`Slowest step: ${view.slowest}`)) : null,
      view.counts.length > 0 ? el('dl', { class: 'counts' }, ...view.counts.flatMap((c) => [el('dt', {}, ...visibleNodes(c.label)), el('dd', {}, ...visibleNodes(c.value))])) : null,
      el('ol', { class: 'timeline' }, ...view.steps.map(stepItem)),
    ),
  );
}

// Kept with setState, so the panel opens again after a window reload (src/panels/panelRestore.ts)
// at the place it was scrolled to.
let kept: TracePageState | undefined = tracePageStateOf(host.state);
/** The scroll position to go back to once the first trace is drawn (after a reload). */
let pendingScroll = kept?.scrollY;
let scrollTimer = 0;

function keep(): void {
  if (kept) host.state = kept;
}

host.on('restore', (params) => {
  const restore = params;
  if (kept && JSON.stringify(kept.restore) !== JSON.stringify(restore)) pendingScroll = undefined;
  kept = { ...kept, restore };
  keep();
});
host.on('trace', (params) => {
  render(params);
  if (pendingScroll !== undefined && (params).steps.length > 0) {
    window.scrollTo(0, pendingScroll);
    pendingScroll = undefined;
  }
});
window.addEventListener('scroll', () => {
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => {
    if (!kept) return;
    kept = { ...kept, scrollY: Math.round(window.scrollY) };
    keep();
  }, 150);
}, { passive: true });

const sheet = new CSSStyleSheet();
sheet.replaceSync(STYLES);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
replaceChildren(root, el('main', {}, el('p', { class: 'lead' }, 'Loading the trace…')));
host.ready();
