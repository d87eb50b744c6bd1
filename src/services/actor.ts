import type { ActorKind } from '../domain/states.js';

export type Role = 'customer' | 'agent' | 'admin';

/** The signed-in user as every use case sees it, whatever the channel. */
export interface Actor {
  id: number;
  login: string;
  name: string;
  email: string;
  role: Role;
  /** the language they chose (users.language: 'cs' | 'en'), null or absent while not chosen */
  language?: string | null;
}

/** Background jobs (auto-close) act as the system: no user id in the history. */
export const SYSTEM: Actor = { id: 0, login: 'system', name: 'systém', email: '', role: 'agent' };

export const isStaff = (a: Actor): boolean => a.role === 'agent' || a.role === 'admin';

export function actorKind(a: Actor): ActorKind {
  if (a === SYSTEM) return 'system';
  return isStaff(a) ? 'staff' : 'customer';
}

/** Value for `actor_id` columns: null for the system. */
export const actorId = (a: Actor): number | null => (a === SYSTEM ? null : a.id);
