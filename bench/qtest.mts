import { createDb } from '../src/db/knex.js';
import { staffQueue, listTickets } from '../src/services/queries.js';
const url = 'postgres://postgres:postgres@127.0.0.1:57432/helpdesk_bench_portal_1000000';
const staff = { id: 1, login: 'a', name: 'a', email: 'a', role: 'agent' } as any;
const combos: Record<string, any> = {
  open: { state: 'open' }, all: {}, new: { state: 'new' }, closed: { state: 'closed' }, complained: { state: 'complained' },
  contract: { contract_id: 5 }, contractOpen: { contract_id: 5, state: 'open' }, assignee: { assignee: 3 }, none: { assignee: 'none', state: 'open' },
  text: { text: 'tisk' }, textOpen: { text: 'server', state: 'open' }, number: { text: '1000123' }, breached: { sla: 'breached' }, due24: { sla: 24 },
  dueSort: { sort: 'due_asc', state: 'open' }, asc: { sort: 'created_asc' }, page20: { page: 20 },
};
for (const mode of ['auto', 'force_generic_plan']) {
  process.env.XPGOPT = `-c plan_cache_mode=${mode}`;
  const db = createDb(url, 1);
  const out: string[] = [];
  for (const [name, f] of Object.entries(combos)) {
    const ts: number[] = [];
    for (let i = 0; i < 9; i++) { const t = performance.now(); await staffQueue(db, staff, f); ts.push(performance.now() - t); }
    ts.sort((a, b) => a - b);
    out.push(`${name}=${ts[4]!.toFixed(2)}`);
  }
  console.log(mode, out.join(' '));
  await db.destroy();
}
