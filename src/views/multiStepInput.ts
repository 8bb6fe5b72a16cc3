/**
 * A multi-step input in one quick input widget: input boxes and quick picks in a row, the step
 * counter in the title ("Edit Kafka Connection "prod" (2/4)"), a Back button from the second
 * step on, and each answer checked as it is typed (the message says what to type; Enter does
 * nothing until the answer is good). Steps may apply only to some answers (`when`), so the
 * counter counts the steps that apply now. Back keeps what was answered: going forward again
 * shows it. A click elsewhere does not close it; Escape cancels the whole input with a
 * CancelledError, which the command wrapper logs and otherwise leaves quiet.
 */
import * as vscode from 'vscode';
import { CancelledError } from '../shared/errors';

interface StepBase<S> {
  /** Whether the step applies to the answers so far (default: always). */
  when?: (state: S) => boolean;
}

/** An input box. */
export interface InputStep<S> extends StepBase<S> {
  kind: 'input';
  prompt: (state: S) => string;
  /** The text the box opens with: the current answer (prefilled from the connection). */
  value: (state: S) => string;
  placeholder?: string;
  password?: boolean;
  /** A sentence that says what to type, or undefined when the text is a good answer. */
  validate: (value: string, state: S) => string | undefined;
  apply: (state: S, value: string) => S;
}

/** A quick pick of one item. */
export interface PickStep<S, T extends vscode.QuickPickItem = vscode.QuickPickItem> extends StepBase<S> {
  kind: 'pick';
  placeholder: (state: S) => string;
  items: (state: S) => T[];
  /** The item to highlight when the step opens (the current answer). */
  active: (state: S, items: readonly T[]) => T | undefined;
  apply: (state: S, item: T) => S;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each pick step has its own item type
export type Step<S> = InputStep<S> | PickStep<S, any>;

type Answer<T> = { kind: 'answer'; value: T } | { kind: 'back' };

/** The number of the step at `index` among those that apply to `state`, and how many apply. */
export function stepPosition<S>(steps: readonly Step<S>[], index: number, state: S): { position: number; total: number } {
  const applies = steps.map((step) => step.when?.(state) ?? true);
  return { position: applies.slice(0, index + 1).filter(Boolean).length, total: applies.filter(Boolean).length };
}

/**
 * Runs the steps from `initial` and returns the final answers. Throws CancelledError when the
 * user presses Escape.
 */
export async function runMultiStepInput<S>(title: string, steps: readonly Step<S>[], initial: S): Promise<S> {
  let state = initial;
  const visited: number[] = [];
  let index = 0;
  while (index < steps.length) {
    const step = steps[index];
    if (step === undefined) break;
    if (!(step.when?.(state) ?? true)) {
      index++;
      continue;
    }
    const { position, total } = stepPosition(steps, index, state);
    const stepTitle = `${title} (${position}/${total})`;
    const back = visited.length > 0;
    const answer = step.kind === 'input'
      ? await showInput(stepTitle, step, state, back)
      : await showPick(stepTitle, step, state, back);
    if (answer.kind === 'back') {
      index = visited.pop() ?? 0;
      continue;
    }
    state = answer.value;
    visited.push(index);
    index++;
  }
  return state;
}

function showInput<S>(title: string, step: InputStep<S>, state: S, back: boolean): Promise<Answer<S>> {
  return new Promise<Answer<S>>((resolve, reject) => {
    const box = vscode.window.createInputBox();
    box.title = title;
    box.prompt = step.prompt(state);
    box.value = step.value(state);
    box.valueSelection = [0, box.value.length];
    if (step.placeholder !== undefined) box.placeholder = step.placeholder;
    box.password = step.password === true;
    box.ignoreFocusOut = true;
    box.buttons = back ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (run: () => void): void => {
      settled = true;
      run();
      box.dispose();
    };
    const check = (value: string): string | undefined => {
      const problem = step.validate(value, state);
      box.validationMessage = problem;
      return problem;
    };
    check(box.value);
    box.onDidChangeValue((value) => { check(value); });
    box.onDidAccept(() => {
      if (check(box.value) !== undefined) return;
      finish(() => { resolve({ kind: 'answer', value: step.apply(state, box.value) }); });
    });
    box.onDidTriggerButton((button) => {
      if (button === vscode.QuickInputButtons.Back) finish(() => { resolve({ kind: 'back' }); });
    });
    box.onDidHide(() => {
      if (!settled) finish(() => { reject(new CancelledError()); });
    });
    box.show();
  });
}

function showPick<S, T extends vscode.QuickPickItem>(title: string, step: PickStep<S, T>, state: S, back: boolean): Promise<Answer<S>> {
  return new Promise<Answer<S>>((resolve, reject) => {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = title;
    pick.placeholder = step.placeholder(state);
    const items = step.items(state);
    pick.items = items;
    const active = step.active(state, items);
    if (active) pick.activeItems = [active];
    pick.ignoreFocusOut = true;
    pick.buttons = back ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (run: () => void): void => {
      settled = true;
      run();
      pick.dispose();
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      if (item === undefined) return;
      finish(() => { resolve({ kind: 'answer', value: step.apply(state, item) }); });
    });
    pick.onDidTriggerButton((button) => {
      if (button === vscode.QuickInputButtons.Back) finish(() => { resolve({ kind: 'back' }); });
    });
    pick.onDidHide(() => {
      if (!settled) finish(() => { reject(new CancelledError()); });
    });
    pick.show();
  });
}
