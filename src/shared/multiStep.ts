/**
 * The walk through a multi-step input, without the widgets: which step comes next (steps may
 * apply only to some answers), the step counter ("2/4" counts the steps that apply now), and
 * Back (to the step answered before; later answers are kept, so going forward shows them
 * again). src/views/multiStepInput.ts draws each step in VS Code's quick input; tests drive
 * this walk with scripted answers.
 */

/** One step: whether it applies to the answers so far (default: always). */
export interface WalkStep<S> {
  when?: (state: S) => boolean;
}

/** What the user did at a step: answered (the new answers), or pressed Back. */
export type StepAnswer<S> = { kind: 'answer'; state: S } | { kind: 'back' };

/** How a step is shown: its number among the steps that apply, how many apply, and whether Back is offered. */
export interface StepView {
  position: number;
  total: number;
  back: boolean;
}

/** The number of the step at `index` among those that apply to `state`, and how many apply. */
export function stepPosition<S>(steps: readonly WalkStep<S>[], index: number, state: S): { position: number; total: number } {
  const applies = steps.map((step) => step.when?.(state) ?? true);
  return { position: applies.slice(0, index + 1).filter(Boolean).length, total: applies.filter(Boolean).length };
}

/**
 * Walks the steps from `initial`, asking `ask` at each step that applies, and returns the final
 * answers. Whatever `ask` throws (a cancel) ends the walk.
 */
export async function walkSteps<S, T extends WalkStep<S>>(steps: readonly T[], initial: S, ask: (step: T, state: S, view: StepView) => Promise<StepAnswer<S>>): Promise<S> {
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
    const answer = await ask(step, state, { ...stepPosition(steps, index, state), back: visited.length > 0 });
    if (answer.kind === 'back') {
      index = visited.pop() ?? 0;
      continue;
    }
    state = answer.state;
    visited.push(index);
    index++;
  }
  return state;
}
