import { loginKey } from '../../src/domain/login.js';
import type { Db } from '../../src/db/knex.js';
import type { Actor } from '../../src/services/actor.js';
import { hashPassword } from '../../src/services/users.js';

export const PASSWORD = 'Heslo12345';

const OFFICE = JSON.stringify({
  mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [],
});

export interface World {
  companyA: number;
  companyB: number;
  contractA: number;
  contractA2: number;
  contractB: number;
  /** paragraph ids by contract: incident (SLA) and question (no SLA) */
  paragraphs: Record<'A' | 'A2' | 'B', { incident: number; question: number }>;
  /** alice: company A, sees all of contract A, own only on A2; carol: company A, own only; bob: company B; agent, solver: staff */
  users: Record<'alice' | 'carol' | 'bob' | 'agent' | 'solver' | 'admin', Actor>;
}

/** Two companies, three contracts, three customers and three staff; every password is PASSWORD. */
export async function seedWorld(db: Db): Promise<World> {
  const hash = await hashPassword(PASSWORD);
  const [cal] = await db('service_calendars').insert({ name: 'Office', windows: OFFICE }).returning('id');
  const [a] = await db('companies').insert({ name: 'Alfa s.r.o.', address: 'Brno' }).returning('id');
  const [b] = await db('companies').insert({ name: 'Beta a.s.', address: 'Praha' }).returning('id');
  const [ca] = await db('contracts').insert({ company_id: a.id, number: 'A-1', name: 'Smlouva Alfa', calendar_id: cal.id }).returning('id');
  const [ca2] = await db('contracts').insert({ company_id: a.id, number: 'A-2', name: 'Smlouva Alfa 2', calendar_id: cal.id }).returning('id');
  const [cb] = await db('contracts').insert({ company_id: b.id, number: 'B-1', name: 'Smlouva Beta', calendar_id: cal.id }).returning('id');
  const paragraphs = {} as World['paragraphs'];
  for (const [key, c] of [['A', ca], ['A2', ca2], ['B', cb]] as const) {
    const [inc] = await db('contract_paragraphs')
      .insert({ contract_id: c.id, code: 'I1', name: 'Incident', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_email_default: true })
      .returning('id');
    const [q] = await db('contract_paragraphs')
      .insert({ contract_id: c.id, code: 'Q', name: 'Dotaz', kind: 'question', sla_applies: false })
      .returning('id');
    paragraphs[key] = { incident: inc.id, question: q.id };
  }
  const users = {} as World['users'];
  const defs = [
    ['alice', 'Alice Zákaznice', 'customer'],
    ['carol', 'Carol Vlastní', 'customer'],
    ['bob', 'Bob Beta', 'customer'],
    ['agent', 'Dana Pokorná', 'agent'],
    ['solver', 'Pavel Jedlička', 'agent'],
    ['admin', 'Admin Správce', 'admin'],
  ] as const;
  for (const [login, name, role] of defs) {
    const [row] = await db('users')
      .insert({ login, login_key: loginKey(login), name, email: `${login}@example.cz`, role, password_hash: hash })
      .returning(['id', 'login', 'name', 'email', 'role']);
    users[login] = row as Actor;
  }
  await db('user_contracts').insert([
    { user_id: users.alice.id, contract_id: ca.id, sees_all_tickets: true },
    { user_id: users.alice.id, contract_id: ca2.id, sees_all_tickets: false },
    { user_id: users.carol.id, contract_id: ca.id, sees_all_tickets: false },
    { user_id: users.bob.id, contract_id: cb.id, sees_all_tickets: true },
  ]);
  return { companyA: a.id, companyB: b.id, contractA: ca.id, contractA2: ca2.id, contractB: cb.id, paragraphs, users };
}
