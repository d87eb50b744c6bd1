/**
 * Set-based seeding of a large portal database: 200 companies, their contracts and customers,
 * N tickets (default 1,000,000) with messages and history consistent with each ticket's state.
 *
 * Everything is `insert ... select ... from generate_series(...)` run through knex.raw; the only
 * per-row work in Node is none at all. To load fast, each phase runs in one transaction with
 * foreign-key triggers off (session_replication_role = replica, superuser only; the data is
 * consistent by construction) and the secondary indexes of the three big tables are dropped
 * before the load and rebuilt from their original definitions afterwards.
 */
import { createDb } from '../../src/db/knex.js';
import { hashPassword } from '../../src/services/users.js';
import { OFFICE_HOURS } from '../support/calendars.js';
import { dropIndexes, insertAgents, rebuildIndexes, rowCounts, secondaryIndexes, type SeedFigures, type SeedOptionsBase, seedPhases } from '../support/seed-helpers.js';

export const BENCH_LOGIN = 'bench';
export const BENCH_PASSWORD = 'BenchHeslo2026!';

export interface SeedOptions extends SeedOptionsBase {
  tickets: number;
  /** tickets reported by the bench customer on their first contract */
  benchTickets: number;
  companies: number;
  /** our own throw-away cluster: checkpoint settings may be changed server-wide (ALTER SYSTEM) */
  ownServer: boolean;
}

export interface SeedResult extends SeedFigures {
  benchUserId: number;
  benchContracts: { ownOnly: number; seesAll: number };
}

const OFFICE = JSON.stringify(OFFICE_HOURS);

const AGENTS = 10;
const CUSTOMERS_PER_COMPANY = 5;
const BIG_TABLES = ['tickets', 'ticket_messages', 'ticket_events'];

/** Settings for each loading transaction only; nothing here outlives it. */
const LOAD_SETTINGS = [`set local synchronous_commit = off`, `set local work_mem = '512MB'`, `set local maintenance_work_mem = '1GB'`];

/** The rows seedPortal reports (and bench/portal/run.ts of a reused database). */
export const COUNTED_TABLES = ['companies', 'contracts', 'users', 'tickets', 'ticket_messages', 'ticket_events'];

export async function seedPortal(url: string, opts: SeedOptions): Promise<SeedResult> {
  const db = createDb(url, 2);
  const t0 = performance.now();
  const { superuser, phases, phase, timed } = await seedPhases(db, { settings: LOAD_SETTINGS, width: 28, log: opts.log });

  try {
    if (superuser && opts.ownServer) {
      // fewer checkpoints during the load; harmless for the queries measured later
      await db.raw(`alter system set max_wal_size = '8GB'`).catch(() => undefined);
      await db.raw(`alter system set checkpoint_timeout = '30min'`).catch(() => undefined);
      await db.raw(`select pg_reload_conf()`).catch(() => undefined);
    }
    const N = opts.tickets;
    const benchCount = Math.min(opts.benchTickets, Math.floor(N / 2));
    const stride = Math.max(2, Math.floor(N / Math.max(1, benchCount)));

    // ---- reference data ------------------------------------------------------------
    const hash = await hashPassword(BENCH_PASSWORD);
    const ref = await phase('companies/contracts/users', async (trx) => {
      const [cal] = await trx('service_calendars').insert({ name: 'Bench pracovní dny 8–16', windows: OFFICE, holiday_country: 'CZ' }).returning('id');
      await trx.raw(
        `insert into companies (name, address)
         select 'Firma ' || g || ' s.r.o.', 'Průmyslová ' || g || ', 602 00 Brno' from generate_series(1, ?) g order by g`,
        [opts.companies],
      );
      // odd companies have two contracts, even ones one (company 1, the bench customer's, has two)
      await trx.raw(
        `insert into contracts (company_id, number, name, calendar_id)
         select co.id, 'S-' || co.id || '-' || k, 'Servisní smlouva ' || k || ' – ' || co.name, ?
         from companies co cross join lateral generate_series(1, 1 + co.id % 2) k order by co.id, k`,
        [cal.id],
      );
      await trx.raw(
        `insert into contract_paragraphs (contract_id, code, name, kind, sla_applies, reaction_method, reaction_amount,
                                          resolution_method, resolution_amount, is_email_default)
         select c.id, p.code, p.name, p.kind, p.sla, p.rm, p.ra, p.sm, p.sa, p.em
         from contracts c cross join (values
           ('A1', 'Vada bránící provozu', 'incident', true, 'Hod', 4, 'Hod', 16, false),
           ('B', 'Objednávka služby', 'order', true, 'Den', 1, 'Den', 10, true),
           ('D', 'Dotaz, konzultace nebo změna', 'question', false, null, null, null, null, false)
         ) as p(code, name, kind, sla, rm, ra, sm, sa, em)
         order by c.id, p.code`,
      );
      await insertAgents(trx, { login: 'agent', phone: '+420602000', count: AGENTS, hash });
      await trx.raw(
        `insert into users (login, login_key, name, email, phone, role, password_hash)
         select 'z' || co.id || '_' || k, 'z' || co.id || '_' || k, 'Zákazník ' || k || ' (' || co.name || ')', 'z' || co.id || '_' || k || '@firma' || co.id || '.example',
                '+420603' || lpad((co.id * 10 + k)::text, 6, '0'), 'customer', ?
         from companies co cross join generate_series(0, ?) k order by co.id, k`,
        [hash, CUSTOMERS_PER_COMPANY - 1],
      );
      const [bench] = await trx('users')
        .insert({ login: BENCH_LOGIN, login_key: BENCH_LOGIN, name: 'Benchmark Zákazník', email: 'bench@firma1.example', phone: '+420602123456', role: 'customer', password_hash: hash })
        .returning('id');
      // every customer belongs to every contract of their company; the first one sees all tickets
      await trx.raw(
        `insert into user_contracts (user_id, contract_id, sees_all_tickets)
         select u.id, c.id, split_part(u.login, '_', 2) = '0'
         from users u join contracts c on c.company_id = split_part(substr(u.login, 2), '_', 1)::int
         where u.role = 'customer' and u.login like 'z%\\_%'`,
      );
      const benchContracts = (await trx('contracts').where({ company_id: 1 }).orderBy('id').select('id')) as { id: number }[];
      if (benchContracts.length < 2) throw new Error('company 1 should have two contracts');
      const ownOnly = benchContracts[0]!.id;
      const seesAll = benchContracts[1]!.id;
      await trx('user_contracts').insert([
        { user_id: bench.id, contract_id: ownOnly, sees_all_tickets: false },
        { user_id: bench.id, contract_id: seesAll, sees_all_tickets: true },
      ]);

      // lookup tables for the set-based ticket generator (dropped at the end)
      await trx.raw(`drop table if exists bench_map_contract, bench_map_customer, bench_map_agent`);
      await trx.raw(
        `create unlogged table bench_map_contract as
         select (row_number() over (order by c.id) - 1)::int as ord, c.id as contract_id, c.company_id,
                (select id from contract_paragraphs p where p.contract_id = c.id and p.code = 'A1') as para_a1,
                (select id from contract_paragraphs p where p.contract_id = c.id and p.code = 'B') as para_b,
                (select id from contract_paragraphs p where p.contract_id = c.id and p.code = 'D') as para_d
         from contracts c`,
      );
      await trx.raw(
        `create unlogged table bench_map_customer as
         select split_part(substr(login, 2), '_', 1)::int as company_id, split_part(login, '_', 2)::int as k, id as user_id, email
         from users where role = 'customer' and login like 'z%\\_%'
         union all
         select -1, 0, id, email from users where login = ?`,
        [BENCH_LOGIN],
      );
      await trx.raw(
        `create unlogged table bench_map_agent as
         select (row_number() over (order by id) - 1)::int as k, id as user_id from users where role = 'agent'`,
      );
      const contracts = Number((await trx.raw(`select count(*) as n from bench_map_contract`)).rows[0].n);
      const benchOrd = Number((await trx.raw(`select ord from bench_map_contract where contract_id = ?`, [ownOnly])).rows[0].ord);
      return { benchUserId: bench.id as number, ownOnly, seesAll, contracts, benchOrd };
    });

    // ---- drop secondary indexes of the big tables -------------------------------------
    const indexes = await secondaryIndexes(db, BIG_TABLES);
    await phase(`drop ${indexes.length} secondary indexes`, (trx) => dropIndexes(trx, indexes));

    // ---- tickets ------------------------------------------------------------------------
    // h1 picks the state (and subject, channel); h2 the contract paragraph, reporter, assignee and messages.
    // Tickets are spread evenly over five years; tickets older than 30 days are mostly closed.
    await phase(`tickets (${N.toLocaleString('en')})`, async (trx) => {
      await trx.raw(
        `insert into tickets (number, contract_id, paragraph_id, reporter_id, contact_phone, contact_email, subject, description,
                              assignee_id, state, channel, resolution, created_at, updated_at, resolved_at, closed_at)
         with g as (
           select i, (hashint4(i)::bigint & 2147483647) as h1, (hashint8(i::bigint + 7919)::bigint & 2147483647) as h2,
                  (i % :stride = 0 and i / :stride <= :benchCount) as bench,
                  (now() - interval '10 minutes' - interval '5 years') + (i - 1) * ((interval '5 years') / :n) as created_at
           from generate_series(1, :n) i
         ), s as (
           select g.*,
             case when created_at < now() - interval '30 days' then
               case when h1 % 1000 < 930 then 'closed' when h1 % 1000 < 980 then 'cancelled' when h1 % 1000 < 985 then 'complained'
                    when h1 % 1000 < 990 then 'paused' when h1 % 1000 < 995 then 'escalated' else 'accepted' end
             else
               case when h1 % 100 < 10 then 'new' when h1 % 100 < 30 then 'accepted' when h1 % 100 < 45 then 'escalated'
                    when h1 % 100 < 55 then 'paused' when h1 % 100 < 80 then 'resolved' when h1 % 100 < 83 then 'complained'
                    when h1 % 100 < 95 then 'closed' else 'cancelled' end
             end as state,
             least(now() - created_at, interval '28 days') as d
           from g
         )
         select :firstNumber + s.i - 1,
                c.contract_id,
                case when s.h2 % 10 < 5 then c.para_a1 when s.h2 % 10 < 8 then c.para_b else c.para_d end,
                cu.user_id,
                '+420602' || lpad((s.h2 % 1000000)::text, 6, '0'),
                cu.email,
                (array['Nefunkční aplikace', 'Chyba při ukládání dokumentu', 'Pomalé načítání úřední desky', 'Tisk štítků nefunguje',
                       'Nelze odeslat datovou zprávu', 'Dotaz na export do PDF', 'Kiosek se restartuje', 'Objednávka licence',
                       'Chybný tisk podacího archu', 'Nedostupný server'])[1 + s.h1 % 10] || ' – ' || s.i,
                'Dobrý den,' || chr(10) || repeat('při práci se systémem se objevuje chyba, prosíme o prověření a nápravu. ', 1 + (s.h2 / 7 % 4)::int)
                  || chr(10) || 'Děkuji, ' || cu.email,
                case when s.state = 'new' or (s.state = 'cancelled' and s.h2 % 2 = 0) then null else a.user_id end,
                s.state,
                case when s.h1 % 20 < 12 then 'web' when s.h1 % 20 < 17 then 'email' when s.h1 % 20 < 19 then 'hotline' else 'api' end,
                case when s.state in ('resolved', 'closed', 'complained') then 'Vyřešeno: provedena oprava konfigurace a ověřena funkčnost.' end,
                s.created_at,
                s.created_at + s.d * case s.state when 'new' then 0.21 when 'accepted' then 0.21 when 'escalated' then 0.21 when 'paused' then 0.25
                                          when 'cancelled' then 0.3 when 'resolved' then 0.5 when 'complained' then 0.7 else 0.95 end,
                case when s.state in ('resolved', 'closed', 'complained') then s.created_at + s.d * 0.5 end,
                case when s.state = 'closed' then s.created_at + s.d * 0.95 when s.state = 'cancelled' then s.created_at + s.d * 0.3 end
         from s
         join bench_map_contract c on c.ord = case when s.bench then :benchOrd else s.i % :contracts end
         join bench_map_customer cu on cu.company_id = case when s.bench then -1 else c.company_id end
                                   and cu.k = case when s.bench then 0 else s.h2 % :customers end
         join bench_map_agent a on a.k = s.h2 % :agents
         order by s.i`,
        {
          n: N, stride, benchCount, firstNumber: opts.firstNumber, benchOrd: ref.benchOrd, contracts: ref.contracts,
          customers: CUSTOMERS_PER_COMPANY, agents: AGENTS,
        },
      );
      await trx.raw(`select setval('ticket_number_seq', (select max(number) from tickets))`);
    });

    // ---- messages -----------------------------------------------------------------------
    // 40 % of tickets have 1–4 conversation messages (customer and staff alternating, now and then a
    // staff-only note); paused tickets carry the staff's cooperation request, cancelled ones the system's notice.
    await phase('messages', async (trx) => {
      await trx.raw(
        `insert into ticket_messages (ticket_number, author_id, body, source, internal, created_at)
         with t as (
           select t.number, t.reporter_id, t.assignee_id, t.state, t.created_at, t.channel,
                  least(now() - t.created_at, interval '28 days') as d,
                  (hashint8(t.number + 7919 - :firstNumber + 1)::bigint & 2147483647) as h2,
                  (hashint4((t.number - :firstNumber + 1)::int)::bigint & 2147483647) as h1
           from tickets t
         )
         select * from (
           select t.number,
                  case when j % 2 = 0 then t.reporter_id else coalesce(t.assignee_id, a.user_id) end,
                  case when j % 2 = 0 then 'Dobrý den, doplňuji informace k požadavku: chyba se projevuje i po restartu. ' || repeat('Přikládám popis kroků. ', 1 + j)
                       else 'Dobrý den, na požadavku pracujeme, prosíme o strpení. ' || repeat('Průběžně vás budeme informovat. ', 1 + j) end,
                  case when j % 2 = 0 then (case when t.channel = 'email' then 'email' else 'web' end) else 'web' end,
                  j % 2 = 1 and t.h1 % 25 = 0,
                  t.created_at + t.d * (0.03 + 0.06 * j)
           from t join bench_map_agent a on a.k = t.h2 % :agents
                  cross join lateral generate_series(0, (t.h2 / 100 % 4)::int) j
           where t.h2 / 10 % 10 < 4
           union all
           select t.number, t.assignee_id,
                  'Prosíme o zaslání snímku obrazovky s chybou a verze používaného prohlížeče.', 'web', false, t.created_at + t.d * 0.25
           from t where t.state = 'paused'
           union all
           select t.number, a.user_id,
                  'Požadavek byl zrušen. Důvod: duplicitní požadavek, řešíme v původním ticketu.', 'system', false, t.created_at + t.d * 0.3
           from t join bench_map_agent a on a.k = t.h2 % :agents where t.state = 'cancelled'
         ) m
         order by 6`,
        { firstNumber: opts.firstNumber, agents: AGENTS },
      );
    });

    // ---- history events -----------------------------------------------------------------
    // one append per step of each ticket's life, in time order (ids follow time, as in production)
    await phase('events', async (trx) => {
      await trx.raw(
        `insert into ticket_events (ticket_number, at, actor_id, kind, from_state, to_state, data, internal)
         with t as (
           select t.number, t.reporter_id, t.assignee_id, t.state, t.created_at, t.channel,
                  least(now() - t.created_at, interval '28 days') as d,
                  (hashint8(t.number + 7919 - :firstNumber + 1)::bigint & 2147483647) as h2
           from tickets t
         )
         select ticket_number, at, actor_id, kind, from_state, to_state, data, internal from (
           select t.number as ticket_number, t.created_at as at, t.reporter_id as actor_id, 'created' as kind, null as from_state,
                  'new' as to_state, jsonb_build_object('channel', t.channel) as data, false as internal, 1 as step
           from t
           union all
           select t.number, t.created_at + t.d * 0.02, t.assignee_id, 'state_changed', 'new', 'accepted',
                  jsonb_build_object('action', 'accept'), false, 2
           from t where t.state not in ('new', 'cancelled') or (t.state = 'cancelled' and t.h2 % 2 = 1)
           union all
           select t.number, t.created_at + t.d * 0.025, t.assignee_id, 'state_changed', 'accepted', 'escalated',
                  jsonb_build_object('action', 'escalate', 'assignee_id', t.assignee_id), false, 3
           from t where t.state = 'escalated'
           union all
           select m.ticket_number, m.created_at, m.author_id, 'message', null, null, jsonb_build_object('message_id', m.id), m.internal, 4
           from ticket_messages m where m.source <> 'system'
           union all
           select t.number, t.created_at + t.d * 0.25, t.assignee_id, 'state_changed', 'accepted', 'paused',
                  jsonb_build_object('action', 'pause', 'cooperation', 'Prosíme o zaslání snímku obrazovky s chybou a verze používaného prohlížeče.'), false, 5
           from t where t.state = 'paused'
           union all
           select t.number, t.created_at + t.d * 0.3, t.assignee_id, 'state_changed', case when t.h2 % 2 = 1 then 'accepted' else 'new' end, 'cancelled',
                  jsonb_build_object('action', 'cancel', 'reason', 'duplicitní požadavek, řešíme v původním ticketu.'), false, 6
           from t where t.state = 'cancelled'
           union all
           select t.number, t.created_at + t.d * 0.5, t.assignee_id, 'state_changed', 'accepted', 'resolved',
                  jsonb_build_object('action', 'resolve', 'resolution', 'Vyřešeno: provedena oprava konfigurace a ověřena funkčnost.'), false, 7
           from t where t.state in ('resolved', 'closed', 'complained')
           union all
           select t.number, t.created_at + t.d * 0.7, t.reporter_id, 'complaint', 'resolved', 'complained',
                  jsonb_build_object('action', 'complain', 'reason', 'Chyba se po opravě objevila znovu.'), false, 8
           from t where t.state = 'complained'
           union all
           select t.number, t.created_at + t.d * 0.95, case when t.h2 % 2 = 0 then null else t.assignee_id end, 'state_changed', 'resolved', 'closed',
                  jsonb_build_object('action', 'close'), false, 9
           from t where t.state = 'closed'
         ) e
         order by at, ticket_number, step`,
        { firstNumber: opts.firstNumber },
      );
    });

    // ---- rebuild indexes (two at a time: two cores), clean up, statistics ----------------
    await phase(`rebuild ${indexes.length} indexes`, () => rebuildIndexes(db, indexes, '512MB'));
    await db.raw(`drop table if exists bench_map_contract, bench_map_customer, bench_map_agent`);

    // VACUUM also sets the visibility map and hint bits, so neither autovacuum nor first
    // readers rewrite the freshly loaded pages during the benchmark
    await timed(
      'vacuum analyze',
      async () => {
        for (const table of BIG_TABLES) await db.raw(`vacuum (analyze) ??`, [table]);
        await db.raw('analyze');
      },
      'vacuum analyze (final)',
    );

    const counts = await rowCounts(db, COUNTED_TABLES);
    return {
      phases,
      totalMs: performance.now() - t0,
      benchUserId: ref.benchUserId,
      benchContracts: { ownOnly: ref.ownOnly, seesAll: ref.seesAll },
      counts,
    };
  } finally {
    await db.destroy();
  }
}
