/**
 * Set-based seeding for the report benchmark (bench/report/run.ts): one company with the
 * measured contract RB-1 (calendar 8–16 Europe/Prague; paragraphs INC incident with SLA, Q
 * question, OBJ order with SLA in days, HC hypercare) and REPORT_TICKETS tickets created in
 * October 2026 (default 100,000), plus tickets of RB-1 created in September and November and
 * another company's contract RB-2 with its own tickets from September to November, so every
 * query must filter by contract and by month.
 *
 * Every ticket gets a history that the transition table allows, written as the use cases
 * write it: created, assigned + accepted, sometimes escalated, paused and resumed, a
 * reclassification now and then, resolved, closed by the customer or the system; a few
 * cancelled, a few left open; some complaints upheld (back to accepted, resolved again) or
 * rejected (back to resolved). Conversation messages and effort entries with their events.
 * Events after AS_OF (the data's "now") are not written; the ticket's state, resolved_at and
 * closed_at are those of its last event. Stored SLA columns (verdicts and consumed minutes of
 * the clocks that stopped) are plausible values derived from the same instants.
 *
 * Everything is `insert … select` over generate_series with hashes for randomness (the same
 * data on every run); phases run with foreign-key triggers off (session_replication_role =
 * replica, superuser only; consistent by construction) and the secondary indexes of the big
 * tables dropped and rebuilt from their definitions, then VACUUM ANALYZE and CHECKPOINT.
 */
import { createDb, type Db } from '../../src/db/knex.js';
import { hashPassword } from '../../src/services/users.js';
import { OFFICE_HOURS } from '../support/calendars.js';
import { dropIndexes, insertAgents, rebuildIndexes, rowCounts, secondaryIndexes, type SeedFigures, type SeedOptionsBase, seedPhases } from '../support/seed-helpers.js';

export const REPORT_COMPANY = 'Report Bench s.r.o.';
export const REPORT_CONTRACT = 'RB-1';
export const STAFF_LOGIN = 'report_agent';
export const STAFF_PASSWORD = 'ReportHeslo2026!';
/** the data's "now": later events are not written */
export const AS_OF = '2026-11-26T12:00:00Z';

const OFFICE = JSON.stringify(OFFICE_HOURS);
const AGENTS = 12;
const CUSTOMERS = 20;
const BIG_TABLES = ['tickets', 'ticket_events', 'ticket_messages', 'efforts'];

export interface ReportSeedOptions extends SeedOptionsBase {
  /** tickets of RB-1 created in October 2026 */
  october: number;
  /** tickets of RB-1 created in September and in November */
  september: number;
  november: number;
  /** tickets of the other contract RB-2, September to November */
  other: number;
}

export async function seedReport(url: string, opts: ReportSeedOptions): Promise<SeedFigures> {
  const db = createDb(url, 2);
  const t0 = performance.now();
  const settings = [`set local synchronous_commit = off`, `set local work_mem = '256MB'`];
  const { phases, phase, timed } = await seedPhases(db, { settings, width: 30, log: opts.log });

  try {
    // ---- reference data ----------------------------------------------------------------
    const hash = await hashPassword(STAFF_PASSWORD);
    await phase('companies/contracts/users', async (trx) => {
      const [cal] = await trx('service_calendars').insert({ name: 'Report bench 8–16', windows: OFFICE, holiday_country: 'CZ' }).returning('id');
      const [main] = await trx('companies').insert({ name: REPORT_COMPANY, address: 'Kounicova 1, 602 00 Brno' }).returning('id');
      const [other] = await trx('companies').insert({ name: 'Jiná Firma a.s.', address: 'Náměstí 2, 110 00 Praha' }).returning('id');
      await trx('contracts').insert([
        { company_id: main.id, number: REPORT_CONTRACT, name: 'Servisní smlouva – reportovaná', calendar_id: cal.id, timezone: 'Europe/Prague' },
        { company_id: other.id, number: 'RB-2', name: 'Servisní smlouva jiné firmy', calendar_id: cal.id, timezone: 'Europe/Prague' },
      ]);
      await trx.raw(
        `insert into contract_paragraphs (contract_id, code, name, kind, sla_applies, reaction_method, reaction_amount,
                                          resolution_method, resolution_amount, is_email_default)
         select c.id, p.code, p.name, p.kind, p.sla, p.rm, p.ra, p.sm, p.sa, p.em
         from contracts c cross join (values
           ('INC', 'Vada bránící provozu', 'incident', true, 'Hod', 4, 'Hod', 16, true),
           ('Q', 'Dotaz, konzultace', 'question', false, null, null, null, null, false),
           ('OBJ', 'Objednávka služby', 'order', true, 'Den', 1, 'Den', 10, false),
           ('HC', 'Hypercare po nasazení', 'hypercare', false, null, null, null, null, false)
         ) as p(code, name, kind, sla, rm, ra, sm, sa, em)
         where c.number in ('RB-1', 'RB-2')
         order by c.id, p.code`,
      );
      await insertAgents(trx, { login: 'ragent', phone: '+420602100', count: AGENTS, hash });
      await trx('users').insert({ login: STAFF_LOGIN, login_key: STAFF_LOGIN, name: 'Report Agent', email: 'report_agent@helpdesk.example', role: 'agent', password_hash: hash });
      await trx.raw(
        `insert into users (login, login_key, name, email, phone, role, password_hash)
         select 'rc' || c.number || '_' || k, lower('rc' || c.number || '_' || k), 'Zákazník ' || k || ' ' || c.number,
                lower('rc' || c.number || '_' || k) || '@zakaznik.example', '+420603' || lpad((c.id * 100 + k)::text, 6, '0'), 'customer', ?
         from contracts c cross join generate_series(0, ?) k where c.number in ('RB-1', 'RB-2') order by c.id, k`,
        [hash, CUSTOMERS - 1],
      );
      await trx.raw(
        `insert into user_contracts (user_id, contract_id, sees_all_tickets)
         select u.id, c.id, true from users u join contracts c on u.login like 'rc' || c.number || '\\_%'`,
      );
    });

    // ---- drop secondary indexes of the big tables (rebuilt at the end) -------------------
    const indexes = await secondaryIndexes(db, BIG_TABLES);
    await phase(`drop ${indexes.length} secondary indexes`, (trx) => dropIndexes(trx, indexes));

    // ---- the plan: one row per ticket with every instant of its life ----------------------
    await phase('plan', async (trx) => {
      await trx.raw(`drop table if exists bench_report_plan, bench_report_ev`);
      await trx.raw(
        `create or replace function bench_u(a bigint, k int) returns float8 language sql immutable parallel safe
         as $$ select (hashint8(a * 64 + k) & 2147483647)::float8 / 2147483648.0 $$`,
      );
      await trx.raw(
        `create unlogged table bench_report_plan as
         with grp(ord, contract, gstart, gend, n) as (values
           (1, 'RB-1', timestamptz '2026-10-01 00:00 Europe/Prague', timestamptz '2026-11-01 00:00 Europe/Prague', :october::int),
           (2, 'RB-1', timestamptz '2026-09-01 00:00 Europe/Prague', timestamptz '2026-10-01 00:00 Europe/Prague', :september::int),
           (3, 'RB-1', timestamptz '2026-11-01 00:00 Europe/Prague', timestamptz '2026-11-25 00:00 Europe/Prague', :november::int),
           (4, 'RB-2', timestamptz '2026-09-01 00:00 Europe/Prague', timestamptz '2026-11-25 00:00 Europe/Prague', :other::int)
         ), g as (
           select grp.ord, c.id as contract_id, c.number as contract, i, grp.ord::bigint * 10000000 + i as a,
                  grp.gstart + (grp.gend - grp.gstart) * ((i - 1 + bench_u(grp.ord::bigint * 10000000 + i, 0)) / grp.n) as created_at
           from grp join contracts c on c.number = grp.contract
           cross join lateral generate_series(1, grp.n) i
         ), p as (
           select g.*,
             case when bench_u(a, 1) < .45 then 'incident' when bench_u(a, 1) < .70 then 'question' when bench_u(a, 1) < .90 then 'order' else 'hypercare' end as kind0,
             bench_u(a, 11) < .01 as reclass,
             case when bench_u(a, 2) < .55 then 'web' when bench_u(a, 2) < .80 then 'email' when bench_u(a, 2) < .93 then 'hotline' else 'api' end as channel,
             case when bench_u(a, 3) < .02 then 'cancel' when bench_u(a, 3) < .03 then 'open_new' when bench_u(a, 3) < .045 then 'open_acc'
                  when bench_u(a, 3) < .055 then 'open_esc' when bench_u(a, 3) < .065 then 'open_paused' when bench_u(a, 3) < .095 then 'complaint'
                  else 'normal' end as path,
             (hashint8(a * 64 + 30) & 2147483647) % ${AGENTS} as agent_k,
             (hashint8(a * 64 + 31) & 2147483647) % ${CUSTOMERS} as customer_k
           from g
         ), q as (
           select p.*,
             case when reclass then (case when kind0 = 'incident' then 'question' else 'incident' end) else kind0 end as kind,
             case when path = 'open_new' or (path = 'cancel' and bench_u(a, 19) < .5) then null
                  else created_at + interval '1 minute' * (5 + 900 * bench_u(a, 4) ^ 2) end as acc_at,
             path = 'open_esc' or (path in ('normal', 'complaint') and bench_u(a, 7) < .15) as esc,
             path = 'open_paused' or (path in ('normal', 'complaint') and bench_u(a, 8) < .10) as pause
           from p
         ), r as (
           select q.*,
             case when esc then acc_at + interval '1 minute' * (10 + 120 * bench_u(a, 6)) end as esc_at
           from q
         ), s as (
           select r.*,
             case when pause then coalesce(esc_at, acc_at) + interval '1 minute' * (30 + 600 * bench_u(a, 9)) end as pause_at
           from r
         ), t as (
           select s.*,
             case when pause and path <> 'open_paused' then pause_at + interval '1 minute' * (60 + 2880 * bench_u(a, 10)) end as resume_at
           from s
         ), u as (
           select t.*,
             case when path in ('normal', 'complaint') then coalesce(resume_at, esc_at, acc_at) + interval '1 minute' * (30 + 9000 * bench_u(a, 12) ^ 2) end as res_at,
             case when path = 'cancel' then coalesce(acc_at, created_at) + interval '1 minute' * (10 + 2880 * bench_u(a, 5)) end as cancel_at
           from t
         ), v as (
           select u.*,
             case when path = 'complaint' then res_at + interval '1 minute' * (60 + 2880 * bench_u(a, 13)) end as compl_at,
             case when path <> 'complaint' then null when bench_u(a, 15) < .1 then 'none' when bench_u(a, 15) < .55 then 'upheld' else 'rejected' end as decision
           from u
         ), w as (
           select v.*,
             case when decision in ('upheld', 'rejected') then compl_at + interval '1 minute' * (60 + 2880 * bench_u(a, 14)) end as decision_at
           from v
         ), x as (
           select w.*,
             case when decision = 'upheld' then decision_at + interval '1 minute' * (60 + 1440 * bench_u(a, 16)) end as res2_at
           from w
         )
         select x.*,
           case when path = 'normal' or decision in ('upheld', 'rejected') then
             coalesce(res2_at, decision_at, res_at) + case when bench_u(a, 17) < .6 then interval '1 minute' * (60 + 4320 * bench_u(a, 18)) else interval '7 days' end
           end as close_at,
           row_number() over (order by created_at, ord, i) + :first::bigint - 1 as number
         from x`,
        { october: opts.october, september: opts.september, november: opts.november, other: opts.other, first: opts.firstNumber },
      );
      await trx.raw(`create unique index on bench_report_plan (number)`);
      await trx.raw(`analyze bench_report_plan`);
    });

    // ---- state transitions and reclassifications, up to AS_OF ------------------------------
    await phase('transitions (staging)', async (trx) => {
      await trx.raw(
        `create unlogged table bench_report_ev as
         with pl as (
           select pl.*, a.id as agent_id, cu.id as reporter_id,
                  p0.id as para0_id, p0.code || ' ' || p0.name as para0_text, p1.id as para_id, p1.code || ' ' || p1.name as para_text
           from bench_report_plan pl
           join (select id, row_number() over (order by id) - 1 as k from users where login like 'ragent%') a on a.k = pl.agent_k
           join users cu on cu.login = 'rc' || pl.contract || '_' || pl.customer_k
           join contract_paragraphs p0 on p0.contract_id = pl.contract_id and p0.kind = pl.kind0
           join contract_paragraphs p1 on p1.contract_id = pl.contract_id and p1.kind = pl.kind
         )
         select * from (
           select number as ticket_number, created_at as at, reporter_id as actor_id, 'created' as kind, null::text as from_state, 'new' as to_state,
                  jsonb_build_object('channel', channel) as data, 1 as step
           from pl
           union all
           select number, acc_at, agent_id, 'assigned', null, null, jsonb_build_object('assignee_id', agent_id, 'assignee', 'Řešitel'), 2
           from pl where acc_at is not null
           union all
           select number, acc_at, agent_id, 'state_changed', 'new', 'accepted', jsonb_build_object('action', 'accept'), 3
           from pl where acc_at is not null
           union all
           select number, acc_at + interval '30 minutes', agent_id, 'field_changed', null, null,
                  jsonb_build_object('field', 'paragraph', 'from', para0_text, 'to', para_text, 'from_id', para0_id, 'to_id', para_id), 4
           from pl where reclass and acc_at is not null
           union all
           select number, esc_at, agent_id, 'state_changed', 'accepted', 'escalated', jsonb_build_object('action', 'escalate', 'assignee_id', agent_id), 5
           from pl where esc_at is not null
           union all
           select number, pause_at, agent_id, 'state_changed', case when esc then 'escalated' else 'accepted' end, 'paused',
                  jsonb_build_object('action', 'pause', 'cooperation', 'Pošlete prosím snímek obrazovky s chybou.'), 6
           from pl where pause_at is not null
           union all
           select number, resume_at, reporter_id, 'state_changed', 'paused', case when esc then 'escalated' else 'accepted' end,
                  jsonb_build_object('action', 'resume'), 7
           from pl where resume_at is not null
           union all
           select number, res_at, agent_id, 'state_changed', case when esc then 'escalated' else 'accepted' end, 'resolved',
                  jsonb_build_object('action', 'resolve', 'resolution', 'Opravena konfigurace, ověřeno se zákazníkem.'), 8
           from pl where res_at is not null
           union all
           select number, compl_at, reporter_id, 'complaint', 'resolved', 'complained', jsonb_build_object('action', 'complain', 'reason', 'Chyba se objevila znovu.'), 9
           from pl where compl_at is not null
           union all
           select number, decision_at, agent_id, 'complaint_decision', 'complained', case when decision = 'upheld' then 'accepted' else 'resolved' end,
                  jsonb_build_object('action', case when decision = 'upheld' then 'uphold_complaint' else 'reject_complaint' end, 'reason', 'Posouzeno.'), 10
           from pl where decision_at is not null
           union all
           select number, res2_at, agent_id, 'state_changed', 'accepted', 'resolved',
                  jsonb_build_object('action', 'resolve', 'resolution', 'Opraveno znovu.'), 11
           from pl where res2_at is not null
           union all
           select number, close_at, case when bench_u(a, 17) < .6 then reporter_id end, 'state_changed', 'resolved', 'closed', jsonb_build_object('action', 'close'), 12
           from pl where close_at is not null
           union all
           select number, cancel_at, agent_id, 'state_changed', case when acc_at is null then 'new' else 'accepted' end, 'cancelled',
                  jsonb_build_object('action', 'cancel', 'reason', 'Duplicitní požadavek.'), 13
           from pl where cancel_at is not null
         ) e
         where at <= timestamptz '${AS_OF}'`,
      );
      await trx.raw(`create index on bench_report_ev (ticket_number)`);
      await trx.raw(`analyze bench_report_ev`);
    });

    // ---- tickets: state, resolved/closed instants from their last events; stored SLA --------
    await phase('tickets', async (trx) => {
      await trx.raw(
        `insert into tickets (number, contract_id, paragraph_id, reporter_id, contact_phone, contact_email, subject, description,
                              assignee_id, state, channel, resolution, created_at, updated_at, resolved_at, closed_at,
                              reaction_breached, reaction_consumed_minutes, resolution_breached, resolution_consumed_minutes, sla_computed_at)
         with last as (
           select ticket_number,
                  (array_agg(to_state order by at desc, step desc) filter (where to_state is not null))[1] as state,
                  max(at) as updated_at,
                  max(at) filter (where to_state = 'resolved') as resolved_at,
                  max(at) filter (where to_state in ('closed', 'cancelled')) as closed_at,
                  max(at) filter (where step = 3) as accepted_at,
                  min(at) filter (where step = 8) as first_resolved_at
           from bench_report_ev group by ticket_number
         ), pl as (
           select pl.*, l.state, l.updated_at, l.resolved_at, l.closed_at, l.accepted_at, l.first_resolved_at,
                  a.id as agent_id, cu.id as reporter_id, cu.email as reporter_email, cu.phone as reporter_phone, p1.id as para_id,
                  case pl.kind when 'incident' then 240 when 'order' then 480 end as reaction_target,
                  case pl.kind when 'incident' then 960 when 'order' then 4800 end as resolution_target,
                  coalesce(extract(epoch from (l.accepted_at - pl.created_at)) / 60, 0) * (0.2 + 0.8 * bench_u(pl.a, 20)) as reaction_minutes,
                  coalesce(extract(epoch from (l.first_resolved_at - pl.created_at - coalesce(pl.resume_at - pl.pause_at, interval '0'))) / 60, 0)
                    * (0.2 + 0.3 * bench_u(pl.a, 21)) as resolution_minutes
           from bench_report_plan pl
           join last l on l.ticket_number = pl.number
           join (select id, row_number() over (order by id) - 1 as k from users where login like 'ragent%') a on a.k = pl.agent_k
           join users cu on cu.login = 'rc' || pl.contract || '_' || pl.customer_k
           join contract_paragraphs p1 on p1.contract_id = pl.contract_id and p1.kind = pl.kind
         )
         select number, contract_id, para_id, reporter_id, reporter_phone, reporter_email,
                (array['Nefunkční aplikace', 'Chyba při ukládání dokumentu', 'Pomalé načítání úřední desky', 'Tisk štítků nefunguje',
                       'Nelze odeslat datovou zprávu', 'Dotaz na export do PDF', 'Kiosek se restartuje', 'Objednávka licence',
                       'Chybný tisk podacího archu', 'Nedostupný server'])[1 + (hashint8(a * 64 + 40) & 2147483647) % 10] || ' – ' || number,
                'Dobrý den,' || chr(10) || 'při práci se systémem se objevuje chyba, prosíme o prověření a nápravu.' || chr(10) || 'Děkuji',
                case when acc_at is null then null else agent_id end,
                state, channel,
                case when resolved_at is not null then 'Opravena konfigurace, ověřeno se zákazníkem.' end,
                created_at, updated_at, resolved_at, closed_at,
                case when reaction_target is not null and accepted_at is not null then reaction_minutes > reaction_target end,
                case when reaction_target is not null and accepted_at is not null then round(reaction_minutes::numeric, 2)::float8 end,
                case when resolution_target is not null and first_resolved_at is not null then resolution_minutes > resolution_target end,
                case when resolution_target is not null and first_resolved_at is not null then round(resolution_minutes::numeric, 2)::float8 end,
                timestamptz '${AS_OF}'
         from pl order by number`,
      );
      await trx.raw(`select setval('ticket_number_seq', (select max(number) from tickets))`);
    });

    // ---- conversation: 0–3 messages per ticket ----------------------------------------------
    await phase('messages', async (trx) => {
      await trx.raw(
        `insert into ticket_messages (ticket_number, author_id, body, source, internal, created_at)
         select t.number, case when j % 2 = 0 then t.reporter_id else coalesce(t.assignee_id, t.reporter_id) end,
                case when j % 2 = 0 then 'Dobrý den, doplňuji informace k požadavku: chyba se projevuje i po restartu.'
                     else 'Dobrý den, na požadavku pracujeme, průběžně vás budeme informovat.' end,
                case when j % 2 = 0 and t.channel = 'email' then 'email' else 'web' end,
                false,
                t.created_at + (coalesce(t.closed_at, timestamptz '${AS_OF}') - t.created_at) * (0.1 + 0.2 * j)
         from tickets t
         cross join lateral generate_series(0, floor(bench_u(t.number, 23) * 4)::int - 1) j
         order by 6`,
      );
    });

    // ---- effort: 0–2 entries per accepted ticket (0.95 on average), their events ---------------
    await phase('efforts', async (trx) => {
      await trx.raw(
        `insert into efforts (ticket_number, user_id, minutes, work_date, note, created_at, billable)
         with e as (
           select t.number, t.assignee_id, pl.kind, pl.a, j,
                  pl.acc_at + (coalesce(t.resolved_at, t.closed_at, timestamptz '${AS_OF}') - pl.acc_at) * ((j + 1)::float8 / (n + 1)) as at
           from tickets t join bench_report_plan pl on pl.number = t.number
           cross join lateral (select case when bench_u(pl.a, 22) < .3 then 0 when bench_u(pl.a, 22) < .75 then 1 else 2 end as n) k
           cross join lateral generate_series(0, k.n - 1) j
           where pl.acc_at is not null and t.assignee_id is not null
         )
         select number, assignee_id, 5 * (3 + floor(bench_u(a, 24 + j) * 45))::int, (at at time zone 'Europe/Prague')::date,
                case when j = 0 then 'Analýza problému' else 'Oprava a ověření' end, at,
                case when kind = 'incident' then bench_u(a, 26 + j) < .1 else bench_u(a, 26 + j) >= .05 end
         from e where at <= timestamptz '${AS_OF}'
         order by at`,
      );
    });

    // ---- ticket_events: transitions, messages, effort; in time order (ids follow time) ------
    await phase('events', async (trx) => {
      await trx.raw(
        `insert into ticket_events (ticket_number, at, actor_id, kind, from_state, to_state, data, internal)
         select ticket_number, at, actor_id, kind, from_state, to_state, data, internal from (
           select ticket_number, at, actor_id, kind, from_state, to_state, data, false as internal, step from bench_report_ev
           union all
           select m.ticket_number, m.created_at, m.author_id, 'message', null, null, jsonb_build_object('message_id', m.id), m.internal, 20
           from ticket_messages m join bench_report_plan pl on pl.number = m.ticket_number
           union all
           select ef.ticket_number, ef.created_at, ef.user_id, 'effort', null, null,
                  jsonb_build_object('effort_id', ef.id, 'minutes', ef.minutes, 'work_date', ef.work_date, 'billable', ef.billable, 'note', ef.note), true, 21
           from efforts ef join bench_report_plan pl on pl.number = ef.ticket_number
         ) e
         order by at, ticket_number, step`,
      );
    });

    // ---- rebuild indexes (two at a time: two cores), drop staging, statistics ----------------
    await phase(`rebuild ${indexes.length} indexes`, () => rebuildIndexes(db, indexes, '256MB'));
    await db.raw(`drop table if exists bench_report_plan, bench_report_ev`);
    await db.raw(`drop function if exists bench_u(bigint, int)`);
    await timed('vacuum analyze, checkpoint', async () => {
      for (const table of BIG_TABLES) await db.raw(`vacuum (analyze) ??`, [table]);
      await db.raw('analyze');
      await db.raw('checkpoint');
    });
    return { phases, totalMs: performance.now() - t0, counts: await seedCounts(db) };
  } finally {
    await db.destroy();
  }
}

/** Row counts of the tables the report reads. */
export function seedCounts(db: Db): Promise<Record<string, number>> {
  return rowCounts(db, ['contracts', 'tickets', 'ticket_events', 'ticket_messages', 'efforts']);
}
