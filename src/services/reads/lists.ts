/**
 * The ticket lists: the customer overview (three lists) and the search by number on the
 * generic-plan pool, the staff queue on the ordinary one; one pagination for both.
 */
import type { Knex } from 'knex';
import { LIST_STATES, type ListName, type StateCode, STATES } from '../../domain/states.js';
import type { Actor, Role } from '../actor.js';
import { compiledRead } from '../../db/compiled.js';
import { type SessionCheck, SESSION_UNCHANGED, sessionCheckValues } from '../../db/session-rows.js';
import { planEachTime } from '../../db/knex.js';
import { stripControls } from '../../domain/text.js';
import { visibleTickets } from '../visibility.js';
import type { Reads } from './pools.js';

export const PAGE_SIZE = 50;

/** The nearer of the two running clocks' due instants (stored on the ticket, see services/sla.ts). */
const SLA_DUE = 'least(t.reaction_due_at, t.resolution_due_at)';
/** SLA_DUE compared with `cmp`; the null check is the predicate of the due index (tickets_sla_due). */
const slaDueIs = (cmp: string) => `(${SLA_DUE} ${cmp} and (t.reaction_due_at is not null or t.resolution_due_at is not null))`;

export interface TicketListRow {
  number: number;
  /** the customer lists carry only the date they show (LIST_DATE) */
  created_at?: Date;
  resolved_at?: Date | null;
  closed_at?: Date | null;
  subject: string;
  state: StateCode;
  assignee_name: string | null;
  contract_number?: string;
  company_name?: string;
  reporter_name?: string;
  sla_due?: Date | null;
  sla_breached?: boolean;
}

export interface Page<T> {
  rows: T[];
  page: number;
  pages: number;
  total: number;
  /** the list has more than `total` tickets (counting stops at COUNT_LIMIT) */
  more: boolean;
}

/**
 * Lists count at most this many tickets: the staff queue over a million tickets would spend
 * a second counting. Beyond it the pager says "more than".
 */
export const COUNT_LIMIT = 10_000;

/**
 * The last page a list shows: its pages are cut from the COUNT_LIMIT tickets counted, so asking
 * for any page costs what page 1 costs. Tickets beyond them are found by filtering, not paging.
 */
export const MAX_PAGE = COUNT_LIMIT / PAGE_SIZE;

/** A list of tickets to show a page of. */
interface PageSpec {
  /** the tickets (as t), scoped and filtered, selecting t's own columns only */
  rows: Knex.QueryBuilder;
  /** the list's order: on the tickets (alias t), then on the selections made from them (y, x) */
  order: (q: Knex.QueryBuilder, alias: 't' | 'y' | 'x') => void;
  /** joins and selects the page's names (assignee, reporter, contract) onto the page (alias x) */
  names: (page: Knex.QueryBuilder) => void;
  /** plan the statements for their values every time (see planEachTime) */
  valueDependent?: boolean;
  /** runs the page's statement (pageQuery) for an offset; otherwise knex builds it on every call */
  runPage?: (offset: number) => Promise<Record<string, unknown>[]>;
}

/** The statement of one page: the list's first COUNT_LIMIT + 1 tickets counted, the page's rows with names. */
function pageQuery(db: Knex, spec: PageSpec, offset: number): Knex.QueryBuilder {
  const first = spec.rows.clone();
  spec.order(first, 't');
  const counted = db.from(first.limit(COUNT_LIMIT + 1).as('y')).select('y.*', db.raw('count(*) over () as total_rows'));
  spec.order(counted, 'y');
  const page = db.from(counted.limit(PAGE_SIZE).offset(offset).as('x')).select('x.*');
  spec.names(page);
  spec.order(page, 'x');
  return page;
}

/**
 * One page in the list's order with the total in the same statement: the first COUNT_LIMIT + 1
 * tickets in order (y), counted by a window (so an index in the list's order stops early), the page
 * cut from them, and only the page's 50 rows joined to names (x). A page number beyond MAX_PAGE
 * (however large) is MAX_PAGE; only a page past the end needs a second statement, which counts at
 * most the tickets before that page, to show the last page instead. No statement reads more than
 * COUNT_LIMIT + 1 tickets, whatever page is asked for.
 */
async function paginate(db: Knex, spec: PageSpec, page: number): Promise<Page<TicketListRow>> {
  const reach = COUNT_LIMIT + 1;
  const planned = <T extends Knex.QueryBuilder>(q: T) => (spec.valueDependent ? planEachTime(q) : q);
  const fetch = async (p: number) => {
    const offset = (p - 1) * PAGE_SIZE;
    const rows = spec.runPage ? await spec.runPage(offset) : await planned(pageQuery(db, spec, offset));
    return rows as (TicketListRow & { total_rows?: number })[];
  };
  let current = Number.isNaN(page) ? 1 : Math.min(MAX_PAGE, Math.max(1, Math.floor(page)));
  let rows = await fetch(current);
  let counted = Number(rows[0]?.total_rows ?? 0);
  if (rows.length === 0 && current > 1) {
    // fewer tickets than the page's offset: count them all (below the offset) and show the last page
    const offset = (current - 1) * PAGE_SIZE;
    const countRow = await planned(db.from(spec.rows.clone().limit(offset).as('y')).count<{ count: number }[]>('* as count').first());
    counted = Number(countRow?.count ?? 0);
    current = Math.max(1, Math.ceil(counted / PAGE_SIZE));
    rows = counted > 0 ? await fetch(current) : [];
  }
  // the count rides on every row; emptied, not deleted (deleting a property makes each row a slow dictionary object)
  for (const r of rows) r.total_rows = undefined;
  const more = counted === reach;
  const total = more ? counted - 1 : counted;
  return { rows, page: current, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), total, more };
}

/** The assignee's name on a page of tickets. */
const assigneeName = (page: Knex.QueryBuilder) => page.leftJoin('users as a', 'a.id', 'x.assignee_id').select('a.name as assignee_name');

/** The date each list shows and sorts by: created, resolved or closed. */
export const LIST_DATE = { current: 'created', resolved: 'resolved', closed: 'closed' } as const satisfies Record<ListName, string>;

/**
 * The orders a customer list can be sorted in (the overview's column headers). Every column they
 * sort on is carried by the overview's index (tickets_contract_state_created: contract, state,
 * created_at, including number, resolved_at, closed_at and subject), so each order reads the
 * same index-only scan of the customer's tickets in the list as the default order does (which
 * already sorts: a list spans several states and contracts, and the resolved and closed lists
 * show another date than the index's), and sorts at most those. The assignee's name is not
 * sortable: it is joined onto the page's 50 rows only, and sorting by it would join every
 * ticket of the list to users first. Measured with 1M tickets, one customer's contract holding
 * 100k of them (a loaded test machine, page 1): the current list 430–560 ms in any order but by
 * state (190–550 ms) or subject (640 ms); the closed list 55–65 ms by date or number, 160–180 ms
 * by state and 300–430 ms by subject, whose Czech collation makes each comparison dearer. An
 * index on the subject would not spare the sort: a list spans several states.
 */
export const LIST_SORTS = ['date', 'number', 'subject', 'state'] as const;
export type ListSortKey = (typeof LIST_SORTS)[number];
export interface ListSort {
  key: ListSortKey;
  dir: 'asc' | 'desc';
}
/** The default order: the list's date, newest first. */
export const DEFAULT_LIST_SORT: ListSort = { key: 'date', dir: 'desc' };

/** The sort a query asks for (`sort`, `dir`), else the default: never an error for a link's values. */
export function listSortOf(sort: unknown, dir: unknown): ListSort {
  const key = (LIST_SORTS as readonly unknown[]).includes(sort) ? (sort as ListSortKey) : DEFAULT_LIST_SORT.key;
  const d = dir === 'asc' || dir === 'desc' ? dir : key === 'date' || key === 'number' ? 'desc' : 'asc';
  return { key, dir: d };
}

/** The states in their life order (new first), for sorting by state as a customer reads it. */
const STATE_ORDER = (alias: string) => `array_position(array[${STATES.map((s) => `'${s}'`).join(',')}]::text[], ${alias}.state::text)`;

/** A customer list's tickets, order and names; `rows` is built only when read (not when runPage runs the page). */
function listSpec(db: Knex, actor: Actor, list: ListName, sort: ListSort, runPage?: PageSpec['runPage']): PageSpec {
  const date = `${LIST_DATE[list]}_at`;
  const dir = sort.dir;
  return {
    runPage,
    get rows() {
      return visibleTickets(db, actor)
        .whereIn('t.state', LIST_STATES[list] as StateCode[])
        // only the date the list shows: parsing timestamps is a noticeable part of rendering a page
        .select('t.number', `t.${date}`, 't.subject', 't.state', 't.assignee_id');
    },
    order: (q: Knex.QueryBuilder, alias: string) => {
      // subjects in Czech alphabetical order (ch after h, č after c), whatever the database's default collation
      if (sort.key === 'subject') q.orderByRaw(`${alias}.subject collate "cs-CZ-x-icu" ${dir}`);
      else if (sort.key === 'state') q.orderByRaw(`${STATE_ORDER(alias)} ${dir}`);
      // ties (and the date and number orders) by the date, then the number, in the chosen direction
      const tie = sort.key === 'date' || sort.key === 'number' ? dir : 'desc';
      if (sort.key === 'number') q.orderBy(`${alias}.number`, tie);
      else q.orderBy(`${alias}.${date}`, tie).orderBy(`${alias}.number`, tie);
    },
    names: assigneeName,
  };
}

/** How many tickets each customer list has, counted up to TAB_COUNT_LIMIT + 1 (more: the list has more than TAB_COUNT_LIMIT). */
export type ListCounts = Record<ListName, { count: number; more: boolean }>;

/**
 * The tabs' counts stop at a badge's "more than 99": counting each list up to the pager's
 * COUNT_LIMIT took the overview from 10.5 % to 3.5 % of the bench ceiling (PostgreSQL CPU
 * 0.52 → 2.18 ms a page at 1M tickets); the open list's pager still counts to COUNT_LIMIT.
 */
export const TAB_COUNT_LIMIT = 99;

/**
 * The counts of the lists other than `shown` as one row: each an index-only scan stopping after
 * TAB_COUNT_LIMIT + 1. The shown list's count is its page's total (the pager counts it already).
 */
function countsQuery(db: Knex, actor: Actor, shown: ListName): Knex.QueryBuilder {
  const counted = (list: ListName) =>
    db
      .from(visibleTickets(db, actor).whereIn('t.state', LIST_STATES[list] as StateCode[]).select(db.raw('1')).limit(TAB_COUNT_LIMIT + 1).as('l'))
      .count('*')
      .as(list);
  return db.select((Object.keys(LIST_STATES) as ListName[]).filter((l) => l !== shown).map(counted));
}

type OverviewShape = `${Role} ${ListName} ${ListSortKey} ${'asc' | 'desc'}${'' | ' checked'}`;

/**
 * The overview's one statement: the tabs' counts (c) with a page of the list joined laterally
 * (x; no row of x when the page is empty), built by knex once per role, list and order
 * (db/compiled.ts: building the nested statement cost more CPU than the rest of the overview's
 * work in Node). One statement instead of two saves a round trip's CPU on both sides. A
 * `checked` shape also answers whether the caller's session is unchanged (SESSION_UNCHANGED, an
 * InitPlan run once), for the web's session taken from memory.
 */
const overviewRead = compiledRead((db, shape: OverviewShape, actorId: number, offset: number, ...check: (string | null)[]) => {
  const [role, list, key, dir, checked] = shape.split(' ') as [Role, ListName, ListSortKey, 'asc' | 'desc', string | undefined];
  const actor: Actor = { id: actorId, role, login: '', name: '', email: '' };
  const spec = listSpec(db, actor, list, { key, dir });
  const outer = db.select('c.*', 'x.*').from(countsQuery(db, actor, list).as('c')).joinRaw('left join lateral (?) as x on true', [pageQuery(db, spec, offset)] as unknown as Knex.Value[]);
  if (checked) outer.select(db.raw(`(${SESSION_UNCHANGED}) as session_unchanged`, check));
  spec.order(outer, 'x');
  return outer;
});

/** The tabs' counts: the other lists' from the statement's row, the shown one's from its page's total. */
function countsOf(row: Record<string, unknown> | undefined, shown: ListName, shownTotal: number): ListCounts {
  const of = (list: ListName) => {
    const n = list === shown ? shownTotal : Number(row?.[list] ?? 0);
    return { count: Math.min(n, TAB_COUNT_LIMIT), more: n > TAB_COUNT_LIMIT };
  };
  return { current: of('current'), resolved: of('resolved'), closed: of('closed') };
}

export interface OverviewPage {
  result: Page<TicketListRow>;
  counts: ListCounts;
  /** given a session to check: whether it is still valid and as the caller read it (else nothing of the page may be shown) */
  sessionUnchanged?: boolean;
}

/**
 * Customer overview: one of the three lists, newest first unless sorted otherwise, 50 a page,
 * with the tabs' counts; with `session`, whether that session is unchanged, in the same statement.
 */
export async function overviewPage(
  pools: Reads,
  actor: Actor,
  list: ListName,
  page = 1,
  sort: ListSort = DEFAULT_LIST_SORT,
  session?: SessionCheck,
): Promise<OverviewPage> {
  const db = pools.reads;
  let first: Record<string, unknown> | undefined;
  const shape: OverviewShape = `${actor.role} ${list} ${sort.key} ${sort.dir}${session ? ' checked' : ''}`;
  const check = session ? sessionCheckValues(session) : [];
  const runPage = async (offset: number) => {
    const rows = await overviewRead(db, shape, actor.id, offset, ...check);
    first ??= rows[0];
    // an empty page is the counts' row alone
    return rows[0]?.number == null ? [] : rows;
  };
  const result = await paginate(db, listSpec(db, actor, list, sort, runPage), page);
  const counts = countsOf(first, list, result.more ? result.total + 1 : result.total);
  return session ? { result, counts, sessionUnchanged: first?.session_unchanged === true } : { result, counts };
}

/** Search by number: the number if the actor may see it, else null (no hint that it exists). */
export async function findVisibleNumber(pools: Reads, actor: Actor, number: number): Promise<number | null> {
  const row = await visibleTickets(pools.reads, actor).where('t.number', number).first('t.number');
  return row ? Number(row.number) : null;
}

export interface QueueFilter {
  state?: StateCode | 'open';
  contract_id?: number;
  assignee?: number | 'none';
  text?: string;
  /** breached: a clock overran (stored verdict or a running due in the past); a number: due within that many hours */
  sla?: 'breached' | number;
  sort?: 'created_desc' | 'created_asc' | 'due_asc';
  page?: number;
}

/** Staff queue over every contract. */
export async function staffQueue(pools: Reads, actor: Actor, f: QueueFilter): Promise<Page<TicketListRow>> {
  // the ordinary pool: the best plan depends on the filter's values (skewed states, text), so
  // its statements are planned for them every time (valueDependent below)
  const db = pools.db;
  const q = queueTickets(db, actor, f).select(
    't.number', 't.created_at', 't.resolved_at', 't.subject', 't.state', 't.assignee_id', 't.contract_id', 't.reporter_id',
    db.raw(`${SLA_DUE} as sla_due`),
    db.raw('coalesce(t.reaction_breached, false) or coalesce(t.resolution_breached, false) or ' + `${SLA_DUE} < now() as sla_breached`),
  );
  if (f.state === 'open') q.whereIn('t.state', LIST_STATES.current as StateCode[]);
  else if (f.state && (STATES as readonly string[]).includes(f.state)) q.where('t.state', f.state);
  const dir = f.sort === 'created_asc' || f.sort === 'due_asc' ? 'asc' : 'desc';
  const order = (o: Knex.QueryBuilder, alias: string) => {
    if (f.sort === 'due_asc') o.orderByRaw(`${alias === 't' ? SLA_DUE : `${alias}.sla_due`} asc nulls last`);
    o.orderBy(`${alias}.created_at`, dir).orderBy(`${alias}.number`, dir);
  };
  const names = (page: Knex.QueryBuilder) =>
    assigneeName(page)
      .join('contracts as c', 'c.id', 'x.contract_id')
      .join('companies as co', 'co.id', 'c.company_id')
      .join('users as r', 'r.id', 'x.reporter_id')
      .select('c.number as contract_number', 'co.name as company_name', 'r.name as reporter_name');
  return paginate(db, { rows: q, order, names, valueDependent: true }, f.page ?? 1);
}

/** Tickets per state under the queue's filter (its state aside); `more`: that state has over COUNT_LIMIT. */
export type StateCounts = Record<StateCode, { count: number; more: boolean }>;

/**
 * The queue's count per state: the filter without its state, one capped count per state in one
 * statement (each an index-only scan stopping after COUNT_LIMIT + 1 tickets of its state: through
 * tickets_state_created, or for Moje and nepřiděleno tickets_assignee_state and
 * tickets_unassigned_state), so a million tickets cost what eight capped lists cost, not a full
 * count (400,000 tickets: 8–28 ms, Moje 8 ms, nepřiděleno 7 ms). A searched text common to a
 * fifth of the tickets costs most (0.3–0.4 s: each state's count reads the trigram index again;
 * one grouped count of all matches measured no faster and is unbounded).
 */
export async function queueStateCounts(pools: Reads, actor: Actor, f: QueueFilter): Promise<StateCounts> {
  const db = pools.db;
  const parts = STATES.map((state) =>
    db
      .from(queueTickets(db, actor, f).where('t.state', state).select(db.raw('1')).limit(COUNT_LIMIT + 1).as('y'))
      // the state as a literal (a code of the table, not input): knex would misorder a binding here
      .select(db.raw(`'${state}'::text as state`))
      .count<{ state: StateCode; n: string }[]>('* as n'),
  );
  const [first, ...rest] = parts;
  const rows = (await planEachTime(first!.unionAll(rest, true))) as unknown as { state: StateCode; n: string | number }[];
  const counts = Object.fromEntries(STATES.map((s) => [s, { count: 0, more: false }])) as StateCounts;
  for (const r of rows) {
    const n = Number(r.n);
    counts[r.state] = { count: Math.min(n, COUNT_LIMIT), more: n > COUNT_LIMIT };
  }
  return counts;
}

/** The queue's tickets under every filter but the state (for the list and its counts per state). */
function queueTickets(db: Knex, actor: Actor, f: QueueFilter): Knex.QueryBuilder {
  const q = visibleTickets(db, actor);
  if (f.contract_id) q.where('t.contract_id', f.contract_id);
  if (f.assignee === 'none') q.whereNull('t.assignee_id');
  else if (typeof f.assignee === 'number') q.where('t.assignee_id', f.assignee);
  // NUL would fail the statement; the other control characters never match a subject
  const text = f.text === undefined ? undefined : stripControls(f.text).trim();
  if (text) {
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q.where((w) => {
      w.whereILike('t.subject', like);
      if (/^\d{1,15}$/.test(text)) w.orWhere('t.number', Number(text));
    });
  }
  if (f.sla === 'breached') {
    q.where((w) => w.where('t.reaction_breached', true).orWhere('t.resolution_breached', true).orWhereRaw(slaDueIs('< now()')));
  } else if (typeof f.sla === 'number') {
    q.whereRaw(slaDueIs('between now() and now() + make_interval(hours => ?)'), [f.sla]);
  }
  return q;
}

