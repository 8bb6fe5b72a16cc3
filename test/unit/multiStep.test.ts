/**
 * The walk of the multi-step input (Edit and Duplicate Connection), driven by scripted answers:
 * the counter counts the steps that apply to the answers so far, Back returns to the step
 * answered before and keeps later answers, and a cancel ends the walk.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { walkSteps, type StepAnswer, type StepView, type WalkStep } from '../../src/shared/multiStep';

interface State { name: string; secure: boolean; user: string }
interface Step extends WalkStep<State> { id: string; answer: (state: State, value: string) => State }

const steps: Step[] = [
  { id: 'name', answer: (s, v) => ({ ...s, name: v }) },
  { id: 'secure', answer: (s, v) => ({ ...s, secure: v === 'yes' }) },
  { id: 'user', when: (s) => s.secure, answer: (s, v) => ({ ...s, user: v }) },
  { id: 'confirm', answer: (s) => s },
];

/** Plays `script` (a value, or 'BACK') and records what each step showed. */
async function play(script: string[], initial: State = { name: 'a', secure: false, user: '' }) {
  const shown: string[] = [];
  const queue = [...script];
  const result = await walkSteps(steps, initial, (step: Step, state: State, view: StepView): Promise<StepAnswer<State>> => {
    const value = queue.shift();
    if (value === undefined) return Promise.reject(new Error('cancelled'));
    shown.push(`${step.id} ${view.position}/${view.total}${view.back ? ' back' : ''} [${state.name},${String(state.secure)},${state.user}]`);
    return Promise.resolve(value === 'BACK' ? { kind: 'back' } : { kind: 'answer', state: step.answer(state, value) });
  });
  return { result, shown };
}

describe('the multi-step walk', () => {
  it('counts only the steps that apply, and offers Back from the second step on', async () => {
    const { result, shown } = await play(['b', 'no', 'ok']);
    assert.deepEqual(shown, ['name 1/3 [a,false,]', 'secure 2/3 back [b,false,]', 'confirm 3/3 back [b,false,]']);
    assert.deepEqual(result, { name: 'b', secure: false, user: '' });
  });

  it('adds a step when an answer makes it apply, and counts it', async () => {
    const { result, shown } = await play(['b', 'yes', 'alice', 'ok']);
    assert.deepEqual(shown.map((s) => s.split(' [')[0]), ['name 1/3', 'secure 2/3 back', 'user 3/4 back', 'confirm 4/4 back']);
    assert.equal(result.user, 'alice');
  });

  it('goes Back to the step answered before, keeping what was answered after it', async () => {
    const { result, shown } = await play(['b', 'yes', 'alice', 'BACK', 'BACK', 'no', 'ok']);
    assert.deepEqual(shown, [
      'name 1/3 [a,false,]',
      'secure 2/3 back [b,false,]',
      'user 3/4 back [b,true,]',
      'confirm 4/4 back [b,true,alice]',
      'user 3/4 back [b,true,alice]',
      'secure 2/4 back [b,true,alice]',
      'confirm 3/3 back [b,false,alice]',
    ]);
    assert.equal(result.secure, false);
  });

  it('skips a step that no longer applies when going Back', async () => {
    const { shown } = await play(['b', 'no', 'BACK', 'no', 'ok'], { name: 'a', secure: true, user: 'x' });
    assert.deepEqual(shown.map((s) => s.split(' [')[0]), ['name 1/4', 'secure 2/4 back', 'confirm 3/3 back', 'secure 2/3 back', 'confirm 3/3 back']);
  });

  it('ends with the asker\'s error when the user cancels', async () => {
    await assert.rejects(play(['b']), /cancelled/);
  });
});
