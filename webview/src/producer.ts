/**
 * The producer form in its webview: connection and topic (picked from the cluster or typed),
 * key, headers, an optional partition (checked against the topic's partition count), the
 * value as a JSON template with placeholders (checked as you type, with line and column) or
 * generated test data by type, count, rate and compression; Send and Cancel; progress with
 * sent, failed and rate; afterwards the partitions and offsets written and the errors. Built
 * with vscode-elements in the editor's theme; every text goes in through textContent.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { checkProducerForm, type FormProblem, type ProducerField } from '../../src/kafka/producerForm';
import type {
  ProducerForm,
  ProducerMethods,
  ProducerNotifications,
  ProducerPageState,
  ProducerPreset,
  ProducerRunProgress,
  ProducerRunResult,
  ProducerTopicChoice,
} from '../../src/shared/protocol';
import { formatCount, plural } from '../../src/kafka/presentation';
import { adoptStyles, el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';

const STYLES = `
[hidden] { display: none !important; }
body { padding: 0 20px 24px; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
main { max-width: 900px; }
h1 { font-size: 1.5em; font-weight: 600; margin: 18px 0 4px; }
h2 { font-size: 1.15em; font-weight: 600; margin: 14px 0 6px; }
.lead { color: var(--vscode-descriptionForeground); margin: 0 0 14px; }
.note { color: var(--vscode-textLink-foreground); margin: 0 0 12px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 18px; }
.field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 12px; min-width: 0; }
.field vscode-textfield, .field vscode-single-select, .field vscode-textarea { width: 100%; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.row.grow > vscode-textfield { flex: 1; }
.hint { color: var(--vscode-descriptionForeground); font-size: 0.92em; }
.problem { color: var(--vscode-errorForeground); white-space: pre-wrap; font-size: 0.92em; }
.problem:empty { display: none; }
.ok { color: var(--vscode-testing-iconPassed, var(--vscode-descriptionForeground)); font-size: 0.92em; }
.header-row { display: grid; grid-template-columns: 1fr 2fr auto; gap: 6px; margin-bottom: 4px; }
.alert { display: flex; gap: 6px; align-items: flex-start; padding: 8px 10px; margin: 10px 0; border-radius: 2px; white-space: pre-wrap;
  border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
.alert[hidden], section[hidden], .field[hidden], div[hidden] { display: none; }
.preview { margin: 0; padding: 8px 10px; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, inherit); white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--vscode-textCodeBlock-background, var(--vscode-editor-background)); border-radius: 3px; max-height: 260px; overflow: auto; }
.progress { margin: 14px 0; display: flex; flex-direction: column; gap: 6px; }
.stats { display: flex; gap: 18px; flex-wrap: wrap; font-variant-numeric: tabular-nums; }
.stats b { font-weight: 600; }
.result { margin-top: 16px; padding: 12px 14px; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); border-radius: 4px; }
table { border-collapse: collapse; margin-top: 6px; }
th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground); padding: 3px 12px 3px 0; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
td { padding: 2px 12px 2px 0; font-variant-numeric: tabular-nums; }
td.num, th.num { text-align: right; }
td.err { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.buttons { display: flex; gap: 8px; margin-top: 6px; align-items: center; }
`;

const host = new HostConnection<ProducerMethods, ProducerNotifications>();

interface PageState {
  preset: ProducerPreset | undefined;
  topics: ProducerTopicChoice[];
  running: boolean;
  result: ProducerRunResult | undefined;
}
const state: PageState = { preset: undefined, topics: [], running: false, result: undefined };

/**
 * The host's check of the value against the subject's schema (it renders message 1 and
 * validates it, see the host's preview): the problems of the latest answer, each naming its
 * field (`/address/zip: must be integer`), and whether an answer for the form as it is now is
 * still awaited. With a subject, Send waits for the answer and stays off while there are problems.
 */
const schemaCheck = { seq: 0, pending: false, problems: [] as FormProblem[] };

function hasSubject(form: ProducerForm): boolean {
  return (form.subject ?? '').trim() !== '';
}

/**
 * The choices of the selects, kept here: a vscode-single-select takes its options a moment
 * after they are added, so its `value` is not yet right when the form is filled in.
 */
const chosen = { connection: '', dataType: '', compression: 'none' as ProducerForm['compression'] };

// ---------------------------------------------------------------- fields

const noteText = el('p', { class: 'note', id: 'note', hidden: true });
const connectionSelect = el('vscode-single-select', { id: 'connection' });
const topicField = el('vscode-textfield', { id: 'topic', placeholder: 'e.g. orders' });
const topicPick = el('vscode-single-select', { id: 'topic-pick', combobox: true, 'aria-label': 'Pick a topic' });
const topicHint = el('div', { class: 'hint', id: 'topic-hint' });
const keyField = el('vscode-textfield', { id: 'key', placeholder: 'empty: no key; e.g. order-{{seq}}' });
const headersList = el('div', { id: 'headers' });
const addHeaderButton = el('vscode-button', { id: 'add-header', icon: 'add', secondary: true }, 'Add header');
const partitionField = el('vscode-textfield', { id: 'partition', placeholder: 'empty: by key' });
const modeGroup = el('vscode-radio-group', { id: 'mode' },
  el('vscode-radio', { name: 'mode', value: 'json', id: 'mode-json', checked: true, label: 'JSON template' }),
  el('vscode-radio', { name: 'mode', value: 'generate', id: 'mode-generate', label: 'Generate test data by type' }),
  el('vscode-radio', { name: 'mode', value: 'subject', id: 'mode-subject', label: 'Generate test data from the schema subject' }),
);
const subjectField = el('vscode-textfield', { id: 'subject', placeholder: 'empty: plain JSON; e.g. orders-value' });
const subjectPick = el('vscode-single-select', { id: 'subject-pick', combobox: true, hidden: true, 'aria-label': 'Pick a subject' });
const subjectHint = el('div', { class: 'hint', id: 'subject-hint' });
const subjectVersionField = el('vscode-textfield', { id: 'subject-version', placeholder: 'latest' });
const subjectVersionPick = el('vscode-single-select', { id: 'subject-version-pick', hidden: true, 'aria-label': 'Pick a version of the subject' });
const subjectVersionHint = el('div', { class: 'hint', id: 'subject-version-hint' });
/** Which schema the first message is written with (from the host's preview). */
const schemaHint = el('div', { class: 'hint', id: 'schema-hint' });
const valueField = el('vscode-textarea', { id: 'value', monospace: true, rows: 12, resize: 'vertical', spellcheck: false });
const valueBox = el('div', { class: 'field', id: 'value-box' });
const dataTypeSelect = el('vscode-single-select', { id: 'data-type' });
const dataTypeHint = el('div', { class: 'hint', id: 'data-type-hint' });
const dataTypeBox = el('div', { class: 'field', id: 'data-type-box', hidden: true });
const countField = el('vscode-textfield', { id: 'count', value: '100' });
const rateField = el('vscode-textfield', { id: 'rate', placeholder: 'as fast as possible' });
const compressionSelect = el('vscode-single-select', { id: 'compression' });
const compressionHint = el('div', { class: 'hint', id: 'compression-hint' });
const sendButton = el('vscode-button', { id: 'send', icon: 'send' }, 'Send');
const cancelButton = el('vscode-button', { id: 'cancel', icon: 'debug-stop', secondary: true, hidden: true }, 'Cancel');
/** Why Send is off while the form itself is fine: the value does not fit the subject's schema (or is being checked). */
const sendBlocked = el('span', { class: 'hint', id: 'send-blocked', role: 'status' });
const previewPre = el('pre', { class: 'preview', id: 'preview' });
const previewProblem = el('div', { class: 'problem', id: 'preview-problem', role: 'alert' });
const errorText = el('span', { id: 'error-text' });
const errorBox = el('div', { class: 'alert', id: 'error', role: 'alert', hidden: true }, el('span', { class: 'codicon codicon-error' }), errorText);
const progressBar = el('vscode-progress-bar', { id: 'progress-bar' });
const progressStats = el('div', { class: 'stats', id: 'progress-stats' });
const progressSection = el('section', { class: 'progress', id: 'progress', hidden: true, 'aria-live': 'polite' }, progressBar, progressStats);
const resultSection = el('section', { class: 'result', id: 'result', hidden: true });

/** One problem line under each field. */
const problems: Record<ProducerField, HTMLElement> = {
  connection: el('div', { class: 'problem', id: 'connection-problem' }),
  topic: el('div', { class: 'problem', id: 'topic-problem' }),
  key: el('div', { class: 'problem', id: 'key-problem' }),
  headers: el('div', { class: 'problem', id: 'headers-problem' }),
  partition: el('div', { class: 'problem', id: 'partition-problem' }),
  value: el('div', { class: 'problem', id: 'value-problem', role: 'status' }),
  dataType: el('div', { class: 'problem', id: 'data-type-problem' }),
  count: el('div', { class: 'problem', id: 'count-problem' }),
  rate: el('div', { class: 'problem', id: 'rate-problem' }),
  compression: el('div', { class: 'problem', id: 'compression-problem' }),
  subject: el('div', { class: 'problem', id: 'subject-problem', role: 'status' }),
};

function field(label: string, forId: string, ...children: (Node | string)[]): HTMLElement {
  return el('div', { class: 'field' }, el('vscode-label', { for: forId }, label), ...children);
}

function renderPage(): void {
  const root = document.getElementById('root') ?? document.body;
  replaceChildren(valueBox,
    el('vscode-label', { for: 'value' }, 'Value (JSON; placeholders go inside strings)'),
    valueField,
    problems.value,
    el('div', { class: 'hint' }, 'Placeholders: {{seq}} (message number), {{uuid}}, {{now}}, {{timestamp}}, {{faker.person.fullName}}, {{faker.number.int(100)}}, {{dataType:order}}. A string that is only one placeholder keeps its type ("{{seq}}" becomes a number). "text" in double quotes sends plain text.'),
  );
  replaceChildren(dataTypeBox, el('vscode-label', { for: 'data-type' }, 'Data type'), dataTypeSelect, dataTypeHint, problems.dataType,
    el('div', { class: 'hint' }, 'Each message is a JSON object with "data_type", "id", "produced_at" and fields of the type; its key is <data_type>:<entity id> and it carries a data_type header.'));
  replaceChildren(root,
    el('main', {},
      el('h1', {}, 'Produce Test Messages'),
      el('p', { class: 'lead' }, 'Sends messages to a topic: one JSON template rendered N times with fake data, or generated test data by type. Every message\'s partition and offset are reported.'),
      noteText,
      el('div', { class: 'grid' },
        field('Kafka connection', 'connection', connectionSelect, problems.connection),
        el('div', { class: 'field' },
          el('vscode-label', { for: 'topic' }, 'Topic'),
          el('div', { class: 'row grow' }, topicField),
          topicPick, topicHint, problems.topic),
        field('Key', 'key', keyField, problems.key),
        field('Partition', 'partition', partitionField, el('div', { class: 'hint' }, 'Empty: the partitioner picks by key (no key: spread evenly).'), problems.partition),
      ),
      el('div', { class: 'field' }, el('vscode-label', {}, 'Headers'), headersList, el('div', { class: 'row' }, addHeaderButton), problems.headers),
      el('div', { class: 'grid' },
        field('Schema subject', 'subject', subjectField, subjectPick, subjectHint, el('div', { class: 'hint' }, 'With a subject, every value is checked against its schema (Avro, Protobuf or JSON Schema) as you type and written in the Confluent wire format.'), problems.subject),
        field('Subject version', 'subject-version', subjectVersionField, subjectVersionPick, subjectVersionHint, el('div', { class: 'hint' }, 'A number, or empty for the latest.')),
      ),
      schemaHint,
      el('div', { class: 'field' }, el('vscode-label', { for: 'mode' }, 'Value'), modeGroup),
      valueBox,
      dataTypeBox,
      el('div', { class: 'grid' },
        field('Count', 'count', countField, problems.count),
        field('Rate (messages per second)', 'rate', rateField, el('div', { class: 'hint' }, 'Empty or 0: as fast as possible.'), problems.rate),
        field('Compression', 'compression', compressionSelect, compressionHint, problems.compression),
      ),
      el('h2', {}, 'First message'),
      previewPre,
      previewProblem,
      el('div', { class: 'buttons' }, sendButton, cancelButton, sendBlocked),
      errorBox,
      progressSection,
      resultSection,
    ),
  );
}

// ---------------------------------------------------------------- headers

function addHeaderRow(key = '', value = ''): void {
  const keyInput = el('vscode-textfield', { class: 'header-key', placeholder: 'name', value, 'aria-label': 'Header name' });
  const valueInput = el('vscode-textfield', { class: 'header-value', placeholder: 'value (placeholders allowed)', 'aria-label': 'Header value' });
  keyInput.value = key;
  valueInput.value = value;
  const remove = el('vscode-button', { icon: 'trash', secondary: true, title: 'Remove this header', 'aria-label': 'Remove header' });
  const row = el('div', { class: 'header-row' }, keyInput, valueInput, remove);
  remove.addEventListener('click', () => {
    row.remove();
    onChange();
  });
  keyInput.addEventListener('input', onChange);
  valueInput.addEventListener('input', onChange);
  headersList.append(row);
}

function headerRows(): { key: string; value: string }[] {
  return [...headersList.querySelectorAll('.header-row')].map((row) => {
    const [k, v] = row.querySelectorAll('vscode-textfield');
    return { key: k?.value ?? '', value: v?.value ?? '' };
  });
}

// ---------------------------------------------------------------- reading and checking the form

function currentMode(): 'json' | 'generate' | 'subject' {
  const generate = document.getElementById('mode-generate') as HTMLElement & { checked: boolean } | null;
  const subject = document.getElementById('mode-subject') as HTMLElement & { checked: boolean } | null;
  return subject?.checked ? 'subject' : generate?.checked ? 'generate' : 'json';
}

function readForm(): ProducerForm {
  return {
    connection: chosen.connection,
    topic: topicField.value,
    key: keyField.value,
    headers: headerRows(),
    partition: partitionField.value,
    valueMode: currentMode(),
    value: valueField.value,
    dataType: chosen.dataType,
    count: countField.value,
    rate: rateField.value,
    compression: chosen.compression,
    subject: subjectField.value,
    subjectVersion: subjectVersionField.value,
  };
}

function showProblems(list: FormProblem[]): void {
  for (const box of Object.values(problems)) box.textContent = '';
  const byField = new Map<ProducerField, string[]>();
  for (const p of list) byField.set(p.field, [...(byField.get(p.field) ?? []), p.message]);
  for (const [name, messages] of byField) problems[name].textContent = messages.join('\n');
  topicField.invalid = byField.has('topic');
  keyField.invalid = byField.has('key');
  partitionField.invalid = byField.has('partition');
  valueField.invalid = byField.has('value');
  countField.invalid = byField.has('count');
  rateField.invalid = byField.has('rate');
}

function check(): boolean {
  const preset = state.preset;
  if (!preset) return false;
  const form = readForm();
  const topic = state.topics.find((t) => t.name === form.topic.trim());
  const result = checkProducerForm(form, {
    ...(topic ? { partitions: topic.partitions } : {}),
    dataTypes: preset.dataTypes.map((d) => d.id),
    compressions: preset.compressions.filter((c) => c.description === '').map((c) => c.id),
  });
  // The host's problems stand until its next answer (placeholders always; the schema's with a subject).
  const fromHost = result.ok ? schemaCheck.problems : [];
  showProblems(result.ok ? fromHost : result.problems);
  const blocked = result.ok && hasSubject(form) && (schemaCheck.pending || fromHost.length > 0);
  sendBlocked.textContent = !result.ok || state.running || !blocked ? ''
    : fromHost.length > 0 ? `Not sent while the value does not fit the schema: ${fromHost.map((p) => p.message).join('; ')}`
      : 'Checking the value against the subject\'s schema…';
  topicHint.textContent = topic ? plural(topic.partitions, 'partition') : form.topic.trim() !== '' && state.topics.length > 0 ? 'Not a topic of this cluster (yet): create it first.' : '';
  sendButton.disabled = state.running || !result.ok || blocked;
  const count = Number(form.count.replace(/[_,]/g, ''));
  sendButton.textContent = result.ok && count > 1 ? `Send ${formatCount(count)} messages` : 'Send';
  return result.ok;
}

/** True while Send must wait: a subject is named and the host's check of the value has not said yes. */
function schemaBlocked(): boolean {
  return hasSubject(readForm()) && (schemaCheck.pending || schemaCheck.problems.length > 0);
}

let previewTimer = 0;
function onChange(): void {
  // The form as typed, kept so it comes back after a window reload (the host's restorer reads it).
  if (state.preset) host.state = { form: readForm() } satisfies ProducerPageState;
  // An answer for an older form no longer counts; the next one (after the pause) does.
  schemaCheck.seq++;
  schemaCheck.pending = hasSubject(readForm());
  const ok = check();
  window.clearTimeout(previewTimer);
  if (!ok) {
    previewProblem.textContent = '';
    return;
  }
  previewTimer = window.setTimeout(() => { void updatePreview(); }, 250);
}

/** Asks the host to render message 1: this also checks the placeholders. */
async function updatePreview(): Promise<void> {
  const form = readForm();
  const seq = schemaCheck.seq;
  try {
    const preview = await host.request('preview', { form });
    if (seq !== schemaCheck.seq) return;
    schemaCheck.problems = [];
    const lines = [`key: ${preview.key ?? '(none)'}`];
    for (const h of preview.headers) lines.push(`header ${h.key}: ${h.value}`);
    lines.push('', preview.value);
    previewPre.textContent = lines.join('\n');
    schemaHint.textContent = preview.schema ?? '';
    previewProblem.textContent = '';
  } catch (error) {
    if (seq !== schemaCheck.seq) return;
    const problemsFromHost = formProblems(error);
    schemaCheck.problems = problemsFromHost ?? [];
    if (problemsFromHost) {
      showProblems(problemsFromHost);
      previewProblem.textContent = problemsFromHost.map((p) => p.message).join('\n');
    } else {
      previewProblem.textContent = errorMessage(error);
    }
    schemaHint.textContent = '';
  }
  schemaCheck.pending = false;
  check();
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Problems the host placed on fields travel as `FORM:` + JSON. */
function formProblems(error: unknown): FormProblem[] | undefined {
  const message = errorMessage(error);
  if (!message.startsWith('FORM:')) return undefined;
  try {
    return JSON.parse(message.slice(5)) as FormProblem[];
  } catch {
    return undefined;
  }
}

function showError(message: string | undefined): void {
  errorText.textContent = message ?? '';
  errorBox.hidden = message === undefined;
}

// ---------------------------------------------------------------- topics

async function loadTopics(): Promise<void> {
  const connection = chosen.connection;
  if (!connection) return;
  topicHint.textContent = 'Loading the topics…';
  try {
    const { topics } = await host.request('listTopics', { connection });
    state.topics = topics;
    replaceChildren(topicPick,
      el('vscode-option', { value: '', selected: true }, topics.length === 0 ? 'This cluster has no topics yet' : `Pick one of ${plural(topics.length, 'topic')}…`),
      ...topics.map((t) => el('vscode-option', { value: t.name, description: plural(t.partitions, 'partition') }, t.name)));
    showError(undefined);
  } catch (error) {
    state.topics = [];
    topicHint.textContent = '';
    showError(`The topics of ${connection} could not be read: ${errorMessage(error)}`);
  }
  onChange();
}

/** Fills the subject picker from the connection's registry (a connection without one says so under the field). */
async function loadSubjects(): Promise<void> {
  const connection = chosen.connection;
  if (!connection) return;
  try {
    const { subjects, problem } = await host.request('listSubjects', { connection });
    if (connection !== chosen.connection) return;
    replaceChildren(subjectPick,
      el('vscode-option', { value: '', selected: true }, subjects.length === 0 ? 'No subject to pick' : `Pick one of ${plural(subjects.length, 'subject')}…`),
      ...subjects.map((s) => el('vscode-option', { value: s }, s)));
    subjectPick.hidden = subjects.length === 0;
    subjectHint.textContent = problem ?? '';
  } catch (error) {
    subjectPick.hidden = true;
    subjectHint.textContent = `The subjects could not be read: ${errorMessage(error)}`;
  }
}

let versionsTimer: number | undefined;
/** The subject whose versions the picker lists (connection and subject), so a late answer for another is dropped. */
let versionsFor = '';

/** Lists the named subject's versions in the version picker, a moment after the subject was typed or picked. */
function scheduleVersions(): void {
  window.clearTimeout(versionsTimer);
  versionsTimer = window.setTimeout(() => { void loadVersions(); }, 300);
}

async function loadVersions(): Promise<void> {
  const connection = chosen.connection;
  const subject = subjectField.value.trim();
  const key = `${connection}\u0000${subject}`;
  if (key === versionsFor) return;
  versionsFor = key;
  if (!connection || !subject) {
    subjectVersionPick.hidden = true;
    subjectVersionHint.textContent = '';
    return;
  }
  try {
    const { versions, problem } = await host.request('listVersions', { connection, subject });
    if (key !== versionsFor) return;
    const latest = versions[0];
    replaceChildren(subjectVersionPick,
      el('vscode-option', { value: '', selected: subjectVersionField.value.trim() === '' }, latest === undefined ? 'Latest' : `Latest (version ${latest})`),
      ...versions.map((v) => el('vscode-option', { value: String(v), selected: subjectVersionField.value.trim() === String(v) }, `Version ${v}`)));
    subjectVersionPick.hidden = versions.length === 0;
    subjectVersionHint.textContent = problem ?? '';
  } catch (error) {
    if (key !== versionsFor) return;
    subjectVersionPick.hidden = true;
    subjectVersionHint.textContent = `The versions could not be read: ${errorMessage(error)}`;
  }
}

// ---------------------------------------------------------------- sending

function setRunning(running: boolean): void {
  state.running = running;
  cancelButton.hidden = !running;
  sendButton.disabled = running;
  progressSection.hidden = false;
  if (running) {
    progressBar.indeterminate = true;
    replaceChildren(progressStats, 'Starting…');
  }
}

function showProgress(progress: ProducerRunProgress): void {
  progressSection.hidden = false;
  progressBar.indeterminate = false;
  progressBar.max = Math.max(1, progress.total);
  progressBar.value = progress.sent + progress.failed;
  replaceChildren(progressStats,
    el('span', { id: 'stat-sent' }, el('b', {}, formatCount(progress.sent)), ` of ${formatCount(progress.total)} sent`),
    el('span', { id: 'stat-failed' }, el('b', {}, formatCount(progress.failed)), ' failed'),
    el('span', { id: 'stat-rate' }, el('b', {}, formatCount(Math.round(progress.ratePerSecond))), ' msgs/s'),
    el('span', {}, `${(progress.elapsedMs / 1000).toFixed(1)} s`),
  );
}

async function send(): Promise<void> {
  if (!check() || schemaBlocked()) return;
  showError(undefined);
  resultSection.hidden = true;
  setRunning(true);
  try {
    const result = await host.request('send', { form: readForm() });
    state.result = result;
    renderResult(result);
  } catch (error) {
    const fromHost = formProblems(error);
    if (fromHost) {
      showProblems(fromHost);
      showError(fromHost.map((p) => p.message).join('\n'));
    } else {
      showError(errorMessage(error));
    }
    progressSection.hidden = true;
  } finally {
    state.running = false;
    cancelButton.hidden = true;
    check();
  }
}

/** A row's "Trace" action: opens Trace Message for that written message. */
function traceButton(topic: string, record: { index: number; partition: number; offset: string }): HTMLElement {
  const button = el('vscode-button', {
    class: 'trace-record', icon: 'git-commit', secondary: true,
    title: `Trace message #${record.index + 1} (partition ${record.partition}, offset ${record.offset}) through Airflow`,
    'aria-label': `Trace message ${record.index + 1}`,
  }, 'Trace');
  button.addEventListener('click', () => {
    host.request('traceMessage', { topic, partition: record.partition, offset: record.offset }).catch((error: unknown) => { showError(errorMessage(error)); });
  });
  return button;
}

function renderResult(result: ProducerRunResult): void {
  resultSection.hidden = false;
  const inspect = el('vscode-button', { id: 'open-inspector', icon: 'eye', secondary: true }, 'Open Message Inspector');
  inspect.addEventListener('click', () => {
    host.request('openInspector', { connection: result.connection, topic: result.topic }).catch((error: unknown) => { showError(errorMessage(error)); });
  });
  const more = result.sent - result.records.length;
  replaceChildren(resultSection,
    el('h2', {}, result.cancelled ? 'Cancelled' : result.failed > 0 ? 'Done, with errors' : 'Done'),
    el('p', { id: 'result-summary' }, result.summary),
    result.partitions.length > 0
      ? el('table', { id: 'result-partitions' },
        el('tr', {}, el('th', {}, 'Partition'), el('th', { class: 'num' }, 'Messages'), el('th', { class: 'num' }, 'First offset'), el('th', { class: 'num' }, 'Last offset')),
        ...result.partitions.map((p) => el('tr', {},
          el('td', {}, String(p.partition)), el('td', { class: 'num' }, formatCount(p.count)),
          el('td', { class: 'num' }, formatCount(p.firstOffset)), el('td', { class: 'num' }, formatCount(p.lastOffset)))))
      : null,
    result.errors.length > 0
      ? el('div', {},
        el('h2', {}, `Not written (${formatCount(result.errorsTotal)})`),
        el('table', { id: 'result-errors' },
          el('tr', {}, el('th', {}, 'Message #'), el('th', {}, 'Why')),
          ...result.errors.map((e) => el('tr', {}, el('td', {}, String(e.index + 1)), el('td', { class: 'err' }, e.message)))),
        result.errorsTotal > result.errors.length ? el('p', { class: 'hint' }, `and ${formatCount(result.errorsTotal - result.errors.length)} more; the log has all of them.`) : null)
      : null,
    result.records.length > 0
      ? el('div', {},
        el('h2', {}, `Written messages${more > 0 ? ` (first ${formatCount(result.records.length)})` : ''}`),
        el('table', { id: 'result-records' },
          el('tr', {}, el('th', {}, 'Message #'), el('th', { class: 'num' }, 'Partition'), el('th', { class: 'num' }, 'Offset'), el('th', {}, '')),
          ...result.records.map((r) => el('tr', {},
            el('td', {}, String(r.index + 1)), el('td', { class: 'num' }, String(r.partition)), el('td', { class: 'num' }, formatCount(r.offset)),
            el('td', {}, traceButton(result.topic, r))))))
      : null,
    el('div', { class: 'buttons' }, inspect),
  );
}

// ---------------------------------------------------------------- preset

function applyPreset(preset: ProducerPreset): void {
  state.preset = preset;
  const { form } = preset;
  replaceChildren(connectionSelect, ...preset.connections.map((name) => el('vscode-option', { value: name, selected: name === form.connection }, name)));
  chosen.connection = form.connection;
  chosen.dataType = form.dataType;
  chosen.compression = form.compression;
  if (form.connection) connectionSelect.value = form.connection;
  replaceChildren(dataTypeSelect, ...preset.dataTypes.map((d) => el('vscode-option', { value: d.id, selected: d.id === form.dataType, description: d.description }, d.label)));
  dataTypeSelect.value = form.dataType;
  replaceChildren(compressionSelect, ...preset.compressions.map((c) => el('vscode-option', { value: c.id, selected: c.id === form.compression, disabled: c.description !== '', description: c.description }, c.label)));
  compressionSelect.value = form.compression;
  const unavailable = preset.compressions.filter((c) => c.description !== '');
  compressionHint.textContent = unavailable.length > 0 ? unavailable.map((c) => `${c.id}: ${c.description}`).join('; ') : 'All of Kafka\'s codecs are available.';
  topicField.value = form.topic;
  keyField.value = form.key;
  replaceChildren(headersList);
  for (const h of form.headers) addHeaderRow(h.key, h.value);
  partitionField.value = form.partition;
  valueField.value = form.value;
  subjectField.value = form.subject ?? '';
  subjectVersionField.value = form.subjectVersion ?? '';
  countField.value = form.count;
  rateField.value = form.rate;
  for (const radio of modeGroup.querySelectorAll('vscode-radio')) radio.checked = radio.value === form.valueMode;
  updateMode();
  noteText.textContent = preset.note;
  noteText.hidden = preset.note === '';
  if (preset.connections.length === 0) {
    showError('No Kafka connection is configured. Run "Kafka Airflow: Connect to Local Stack" or "Add Kafka Connection" first.');
    return;
  }
  void loadTopics();
  void loadSubjects();
  versionsFor = '';
  scheduleVersions();
}

function updateMode(): void {
  const mode = currentMode();
  const generate = mode === 'generate';
  valueBox.hidden = mode !== 'json';
  dataTypeBox.hidden = !generate;
  const info = state.preset?.dataTypes.find((d) => d.id === chosen.dataType);
  dataTypeHint.textContent = info?.description ?? '';
  onChange();
}

function isPreset(value: unknown): value is ProducerPreset {
  return typeof value === 'object' && value !== null && Array.isArray((value as ProducerPreset).connections) && typeof (value as ProducerPreset).form === 'object';
}

function isProgress(value: unknown): value is ProducerRunProgress {
  return typeof value === 'object' && value !== null && typeof (value as ProducerRunProgress).sent === 'number';
}

function start(): void {
  adoptStyles(STYLES);
  renderPage();

  connectionSelect.addEventListener('change', () => {
    chosen.connection = connectionSelect.value;
    onChange();
    void loadTopics();
    void loadSubjects();
    scheduleVersions();
  });
  subjectPick.addEventListener('change', () => {
    if (subjectPick.value) {
      subjectField.value = subjectPick.value;
      onChange();
      scheduleVersions();
    }
  });
  subjectField.addEventListener('input', scheduleVersions);
  subjectVersionPick.addEventListener('change', () => {
    subjectVersionField.value = subjectVersionPick.value;
    onChange();
  });
  topicPick.addEventListener('change', () => {
    if (topicPick.value) {
      topicField.value = topicPick.value;
      onChange();
    }
  });
  for (const input of [topicField, keyField, partitionField, countField, rateField, subjectField, subjectVersionField]) input.addEventListener('input', onChange);
  valueField.addEventListener('input', onChange);
  modeGroup.addEventListener('change', updateMode);
  dataTypeSelect.addEventListener('change', () => {
    chosen.dataType = dataTypeSelect.value;
    updateMode();
  });
  compressionSelect.addEventListener('change', () => {
    chosen.compression = compressionSelect.value as ProducerForm['compression'];
    onChange();
  });
  addHeaderButton.addEventListener('click', () => {
    addHeaderRow();
    onChange();
  });
  sendButton.addEventListener('click', () => { void send(); });
  cancelButton.addEventListener('click', () => {
    cancelButton.disabled = true;
    host.request('cancel', {}).catch((error: unknown) => { showError(errorMessage(error)); }).finally(() => { cancelButton.disabled = false; });
  });

  host.on('preset', (params) => { if (isPreset(params)) applyPreset(params); });
  host.on('progress', (params) => { if (isProgress(params) && state.running) showProgress(params); });
  host.ready();
}

start();
