import { describe, expect, it } from 'vitest';
import { actionInputs, actionTargets, FINAL_STATES, isFinal, mayAct } from '../../src/domain/states.js';

describe('answers read off the transition table', () => {
  it('the final states are exactly closed and cancelled (nothing leaves them)', () => {
    expect([...FINAL_STATES].sort()).toEqual(['cancelled', 'closed']);
    expect(isFinal('resolved')).toBe(false);
    expect(isFinal('closed')).toBe(true);
  });

  it('says whether an actor may take an action now', () => {
    expect(mayAct('new', 'accept', 'staff')).toBe(true);
    expect(mayAct('new', 'accept', 'customer')).toBe(false);
    expect(mayAct('resolved', 'complain', 'customer')).toBe(true);
    expect(mayAct('resolved', 'complain', 'staff')).toBe(false);
    expect(mayAct('resolved', 'close', 'system')).toBe(true);
    expect(mayAct('closed', 'complain', 'customer')).toBe(false);
    expect(mayAct('paused', 'resume', 'customer')).toBe(true);
  });

  it('names each action’s inputs, which drive the staff panel and the input schemas', () => {
    expect(actionInputs('escalate')).toEqual([{ requirement: 'assignee', required: true }]);
    expect(actionInputs('uphold_complaint')).toEqual([
      { requirement: 'target', required: true },
      { requirement: 'note', required: false },
    ]);
    expect(actionInputs('accept')).toEqual([]);
    expect(actionTargets('uphold_complaint')).toEqual(['accepted', 'escalated', 'paused']);
    expect(actionTargets('resolve')).toEqual([]);
  });
});
