import { describe, expect, it } from 'vitest';
import { passwordWeakness } from '../../src/domain/password.js';
import { formatPhone, normalisePhone } from '../../src/domain/phone.js';
import { allowedActions, customerMayComment, LIST_STATES, nextState, replayState, STATES, TransitionError } from '../../src/domain/states.js';

describe('phone numbers', () => {
  it.each([
    ['602 123 456', '+420602123456'],
    ['602123456', '+420602123456'],
    ['+420 602 123 456', '+420602123456'],
    ['00420602123456', '+420602123456'],
    ['+421 905 123 456', '+421905123456'],
    ['(602) 123-456', '+420602123456'],
  ])('normalises %s to %s', (input, expected) => expect(normalisePhone(input)).toBe(expected));

  it.each(['', '12', '60212345', 'abc', '+420 602 123 45', '+1'])('rejects %j', (input) => expect(normalisePhone(input)).toBeNull());

  it('formats Czech numbers in groups of three', () => {
    expect(formatPhone('+420602123456')).toBe('+420 602 123 456');
    expect(formatPhone('+421905123456')).toBe('+421905123456');
  });
});

describe('password strength', () => {
  it('wants ten characters with letters and digits, without the login', () => {
    expect(passwordWeakness('kratke1', 'alice')).toBe('too_short');
    expect(passwordWeakness('jenompismena', 'alice')).toBe('needs_mix');
    expect(passwordWeakness('alice123456', 'alice')).toBe('same_as_login');
    expect(passwordWeakness('Žluťoučký1kůň', 'alice')).toBeNull();
  });
});

describe('ticket states', () => {
  it('puts every state in exactly one overview list', () => {
    for (const s of STATES) {
      const lists = Object.entries(LIST_STATES).filter(([, states]) => states.includes(s)).map(([l]) => l);
      expect(lists, s).toHaveLength(1);
    }
  });

  it('resumes a paused ticket to the state it had before the pause', () => {
    expect(nextState('paused', 'resume', 'customer', { stateBeforePause: 'escalated' })).toBe('escalated');
    expect(nextState('paused', 'resume', 'staff', { stateBeforePause: 'accepted' })).toBe('accepted');
  });

  it('lets an upheld complaint continue only in accepted, escalated or paused', () => {
    expect(nextState('complained', 'uphold_complaint', 'staff', { target: 'paused' })).toBe('paused');
    expect(() => nextState('complained', 'uphold_complaint', 'staff', { target: 'closed' })).toThrow(TransitionError);
  });

  it('gives customers only the complaint, and only on a resolved ticket', () => {
    for (const s of STATES) expect(allowedActions(s, 'customer').filter((a) => a !== 'resume')).toEqual(s === 'resolved' ? ['complain'] : []);
    expect(() => nextState('new', 'accept', 'customer')).toThrow(TransitionError);
  });

  it('lets the system only close resolved tickets', () => {
    for (const s of STATES) expect(allowedActions(s, 'system')).toEqual(s === 'resolved' ? ['close'] : []);
  });

  it('stops customer comments once resolved, but lets them add to a waiting complaint', () => {
    expect(STATES.filter(customerMayComment)).toEqual(['new', 'accepted', 'escalated', 'paused', 'complained']);
  });

  it('replays history and detects a gap', () => {
    expect(replayState([{ from_state: null, to_state: 'new' }, { from_state: null, to_state: null }, { from_state: 'new', to_state: 'accepted' }])).toBe('accepted');
    expect(() => replayState([{ from_state: null, to_state: 'new' }, { from_state: 'accepted', to_state: 'resolved' }])).toThrow(/inconsistent/);
  });
});
