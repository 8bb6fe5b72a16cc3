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
import { walkSteps, type StepAnswer, type WalkStep } from '../shared/multiStep';

/** An input box. */
export interface InputStep<S> extends WalkStep<S> {
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
export interface PickStep<S, T extends vscode.QuickPickItem = vscode.QuickPickItem> extends WalkStep<S> {
  kind: 'pick';
  placeholder: (state: S) => string;
  items: (state: S) => T[];
  /** The item to highlight when the step opens (the current answer). */
  active: (state: S, items: readonly T[]) => T | undefined;
  apply: (state: S, item: T) => S;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each pick step has its own item type
export type Step<S> = InputStep<S> | PickStep<S, any>;

/**
 * Runs the steps from `initial` and returns the final answers. Throws CancelledError when the
 * user presses Escape.
 */
export function runMultiStepInput<S>(title: string, steps: readonly Step<S>[], initial: S): Promise<S> {
  return walkSteps(steps, initial, (step, state, view) => {
    const stepTitle = `${title} (${view.position}/${view.total})`;
    return step.kind === 'input' ? showInput(stepTitle, step, state, view.back) : showPick(stepTitle, step, state, view.back);
  });
}

function showInput<S>(title: string, step: InputStep<S>, state: S, back: boolean): Promise<StepAnswer<S>> {
  return new Promise<StepAnswer<S>>((resolve, reject) => {
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
    // An empty box says nothing until the user types or presses Enter: the message would hide
    // the prompt, which says what the step is for (for a secret: which target it is bound to).
    if (box.value !== '') check(box.value);
    box.onDidChangeValue((value) => { check(value); });
    box.onDidAccept(() => {
      if (check(box.value) !== undefined) return;
      finish(() => { resolve({ kind: 'answer', state: step.apply(state, box.value) }); });
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

function showPick<S, T extends vscode.QuickPickItem>(title: string, step: PickStep<S, T>, state: S, back: boolean): Promise<StepAnswer<S>> {
  return new Promise<StepAnswer<S>>((resolve, reject) => {
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
      finish(() => { resolve({ kind: 'answer', state: step.apply(state, item) }); });
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
