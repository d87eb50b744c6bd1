/**
 * Every reference of an import document (company, contract number, calendar, paragraph code,
 * login, Message-ID) must exist in the same document or already in the database. The checks
 * read the raw document, so that they run even where zod found other faults in the same object,
 * and report every problem, not the first.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { codeHash } from '../../domain/hotline-code.js';
import { type ActorKind, isStateCode, ruleBetween, needsText, type StateCode } from '../../domain/states.js';
import { formatPath, type PathPart, type Problem } from './problems.js';
import { contractNumberKey, emailKey, loginKey, messageIdKey, nameKey } from './schema.js';

type Raw = Record<string, unknown>;

const record = (v: unknown): Raw | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined;
const items = (v: unknown, key: string): [number, Raw][] => {
  const list = record(v)?.[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, i): [number, Raw][] => {
    const r = record(item);
    return r ? [[i, r]] : [];
  });
};
const contractKey = (company: string, number: string) => `${company}\u0000${number}`;
const STAFF = new Set(['agent', 'admin']);
const MESSAGE_KINDS_TO_OUTBOX = new Set(['notification', 'comment']);

interface DocContract {
  path: PathPart[];
  codes: Set<string>;
  /** its `hotline` when the document gives it (else the database's stands) */
  hotline: boolean | undefined;
}
interface DocUser {
  path: PathPart[];
  role: string | undefined;
  contracts: Set<string>;
}

type Add = (path: PathPart[], message: string) => void;

/**
 * Problems with the document's references; reads the database, writes nothing. `codeKey` hashes
 * the users' hotline codes to find those another user already holds.
 */
export async function checkReferences(db: Knex, doc: unknown, codeKey: string | null = null): Promise<Problem[]> {
  const problems: Problem[] = [];
  const add: Add = (path, message) => problems.push({ path: formatPath(path), message });
  const declared = declaredInDocument(doc, add);
  const stored = await storedReferences(db, referencedKeys(doc, declared));
  const resolve = resolvers(declared, stored, add);
  checkCompanies(doc, stored, add);
  checkContracts(doc, declared, stored, resolve, add);
  checkUsers(doc, stored, resolve, add);
  if (codeKey !== null) await checkHotlineCodes(db, doc, declared, stored, resolve, codeKey, add);
  checkTickets(doc, declared, stored, resolve, add);
  return problems;
}

/** What the document declares (calendars, companies, contracts, users), its duplicates reported. */
interface Declared {
  calendars: Map<string, PathPart[]>;
  companies: Map<string, PathPart[]>;
  contracts: Map<string, DocContract>;
  contractNumbers: Map<string, { company: string; path: PathPart[] }>;
  users: Map<string, DocUser>;
}

/** The items of a section by name, each name's first; a later one is reported as a duplicate. */
function declaredNames(doc: unknown, section: 'calendars' | 'companies', what: string, add: Add): Map<string, PathPart[]> {
  const declared = new Map<string, PathPart[]>();
  for (const [i, c] of items(doc, section)) {
    const name = nameKey(c.name);
    if (name === undefined) continue;
    const previous = declared.get(name);
    if (previous) add([section, i, 'name'], `duplicate ${what} "${name}" (also ${formatPath(previous)})`);
    else declared.set(name, [section, i]);
  }
  return declared;
}

function declaredInDocument(doc: unknown, add: Add): Declared {
  const docCalendars = declaredNames(doc, 'calendars', 'calendar', add);
  const docCompanies = declaredNames(doc, 'companies', 'company', add);
  const docContracts = new Map<string, DocContract>();
  const docContractNumbers = new Map<string, { company: string; path: PathPart[] }>();
  for (const [i, c] of items(doc, 'contracts')) {
    const company = nameKey(c.company);
    const number = contractNumberKey(c.number);
    if (company === undefined || number === undefined) continue;
    const key = contractKey(company, number);
    const previous = docContracts.get(key);
    if (previous) {
      add(['contracts', i, 'number'], `duplicate contract "${number}" of company "${company}" (also ${formatPath(previous.path)})`);
      continue;
    }
    const sameNumber = docContractNumbers.get(number);
    if (sameNumber) {
      add(
        ['contracts', i, 'number'],
        `contract number "${number}" is also used by company "${sameNumber.company}" (${formatPath(sameNumber.path)}); contract numbers are unique`,
      );
      continue;
    }
    docContractNumbers.set(number, { company, path: ['contracts', i] });
    const codes = new Set<string>();
    for (const [, p] of items(c, 'paragraphs')) {
      const code = nameKey(p.code);
      if (code !== undefined) codes.add(code);
    }
    docContracts.set(key, { path: ['contracts', i], codes, hotline: typeof c.hotline === 'boolean' ? c.hotline : undefined });
  }
  const docUsers = new Map<string, DocUser>();
  for (const [i, u] of items(doc, 'users')) {
    const login = loginKey(u.login);
    if (login === undefined) continue;
    const previous = docUsers.get(login);
    if (previous) {
      add(['users', i, 'login'], `duplicate login "${String(u.login).trim()}" (also ${formatPath(previous.path)}; logins are case-insensitive)`);
      continue;
    }
    const contracts = new Set<string>();
    for (const [, c] of items(u, 'contracts')) {
      const company = nameKey(c.company);
      const number = contractNumberKey(c.number);
      if (company !== undefined && number !== undefined) contracts.add(contractKey(company, number));
    }
    docUsers.set(login, { path: ['users', i], role: typeof u.role === 'string' ? u.role : undefined, contracts });
  }

  return { calendars: docCalendars, companies: docCompanies, contracts: docContracts, contractNumbers: docContractNumbers, users: docUsers };
}

/** The keys the document's references need looked up in the database. */
interface Referenced {
  calendars: Set<string>;
  companies: Set<string>;
  numbers: Set<string>;
  logins: Set<string>;
  addresses: Set<string>;
  tickets: Set<number>;
  messageIds: Set<string>;
}

function referencedKeys(doc: unknown, declared: Declared): Referenced {
  const refCalendars = new Set(declared.calendars.keys());
  const refCompanies = new Set(declared.companies.keys());
  const refNumbers = new Set(declared.contractNumbers.keys());
  const refLogins = new Set(declared.users.keys());
  const refAddresses = new Set<string>();
  const ticketNumbers = new Set<number>();
  const messageIds = new Set<string>();
  const company = (v: unknown) => {
    const k = nameKey(v);
    if (k !== undefined) refCompanies.add(k);
  };
  const number = (v: unknown) => {
    const k = contractNumberKey(v);
    if (k !== undefined) refNumbers.add(k);
  };
  const login = (v: unknown) => {
    const k = loginKey(v);
    if (k !== undefined) refLogins.add(k);
  };
  for (const [, c] of items(doc, 'contracts')) {
    company(c.company);
    const cal = nameKey(c.calendar);
    if (cal !== undefined) refCalendars.add(cal);
    const hotlineCal = nameKey(c.hotline_calendar);
    if (hotlineCal !== undefined) refCalendars.add(hotlineCal);
  }
  for (const [, u] of items(doc, 'users')) {
    for (const [, c] of items(u, 'contracts')) {
      company(c.company);
      number(c.number);
    }
    for (const [, c] of items(u, 'hotline_codes')) {
      company(c.company);
      number(c.number);
    }
    const auth = record(u.authorized_email);
    if (auth) {
      company(auth.company);
      number(auth.number);
      const address = emailKey(auth.address);
      if (address !== undefined) refAddresses.add(address);
    }
  }
  for (const [, t] of items(doc, 'tickets')) {
    company(t.company);
    number(t.contract);
    login(t.reporter);
    login(t.assignee);
    if (typeof t.number === 'number' && Number.isSafeInteger(t.number)) ticketNumbers.add(t.number);
    for (const [, m] of items(t, 'messages')) {
      login(m.author);
      const id = messageIdKey(m.message_id);
      if (id !== undefined) messageIds.add(id);
    }
  }

  return { calendars: refCalendars, companies: refCompanies, numbers: refNumbers, logins: refLogins, addresses: refAddresses, tickets: ticketNumbers, messageIds };
}

/** What the database holds of the referenced keys. */
interface Stored {
  calendars: Set<string>;
  companyCounts: Map<string, number>;
  contracts: Map<string, { id: number; company: string; hotline: boolean }>;
  codes: Map<number, Set<string>>;
  users: Map<string, { id: number; role: string; contracts: Set<string> }>;
  addresses: Map<string, string>;
  tickets: Map<number, { created_at: Date; imported: boolean }>;
  outbound: Map<string, { ticket: number | null; status: string }>;
  messageTickets: Map<string, Set<number>>;
}

async function storedReferences(db: Knex, refs: Referenced): Promise<Stored> {
  const { calendars: refCalendars, companies: refCompanies, numbers: refNumbers, logins: refLogins, addresses: refAddresses, tickets: ticketNumbers, messageIds } = refs;
  const dbCalendars = new Set(
    (await db('service_calendars').whereIn('name', [...refCalendars]).pluck('name')) as string[],
  );
  const dbCompanyCounts = new Map<string, number>();
  for (const row of (await db('companies').whereIn('name', [...refCompanies]).select('name')) as { name: string }[]) {
    dbCompanyCounts.set(row.name, (dbCompanyCounts.get(row.name) ?? 0) + 1);
  }
  const dbContracts = new Map<string, { id: number; company: string; hotline: boolean }>();
  for (const row of (await db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .whereIn('c.number', [...refNumbers])
    .select('c.id', 'c.number', 'co.name as company', 'c.hotline')) as { id: number; number: string; company: string; hotline: boolean }[]) {
    dbContracts.set(row.number, { id: row.id, company: row.company, hotline: row.hotline });
  }
  const dbCodes = new Map<number, Set<string>>();
  for (const row of (await db('contract_paragraphs')
    .whereIn('contract_id', [...dbContracts.values()].map((c) => c.id))
    .select('contract_id', 'code')) as { contract_id: number; code: string }[]) {
    const set = dbCodes.get(row.contract_id) ?? new Set<string>();
    set.add(row.code);
    dbCodes.set(row.contract_id, set);
  }
  const dbUsers = new Map<string, { id: number; role: string; contracts: Set<string> }>();
  for (const row of (await db('users')
    .whereIn('login_key', [...refLogins])
    .select('id', 'login_key as key', 'role')) as { id: number; key: string; role: string }[]) {
    dbUsers.set(row.key, { id: row.id, role: row.role, contracts: new Set() });
  }
  const usersById = new Map([...dbUsers.values()].map((u) => [u.id, u]));
  for (const row of (await db('user_contracts as uc')
    .join('contracts as c', 'c.id', 'uc.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .whereIn('uc.user_id', [...usersById.keys()])
    .select('uc.user_id', 'c.number', 'co.name as company')) as { user_id: number; number: string; company: string }[]) {
    usersById.get(row.user_id)?.contracts.add(contractKey(row.company, row.number));
  }
  const dbAddresses = new Map<string, string>();
  for (const row of (await db('authorized_addresses as a')
    .join('users as u', 'u.id', 'a.user_id')
    .whereIn('a.address', [...refAddresses])
    .select('a.address', db.raw('lower(u.login) as login'))) as { address: string; login: string }[]) {
    dbAddresses.set(row.address, row.login);
  }
  const dbTickets = new Map<number, { created_at: Date; imported: boolean }>();
  for (const row of (await db('tickets as t')
    .whereIn('t.number', [...ticketNumbers])
    .select(
      't.number',
      't.created_at',
      db.raw("exists (select 1 from ticket_events e where e.ticket_number = t.number and e.kind = 'imported') as imported"),
    )) as { number: number; created_at: Date; imported: boolean }[]) {
    dbTickets.set(Number(row.number), { created_at: row.created_at, imported: row.imported });
  }
  const dbOutbound = new Map<string, { ticket: number | null; status: string }>();
  for (const row of (await db('outbound_mail').whereIn('message_id', [...messageIds]).select('message_id', 'ticket_number', 'status')) as {
    message_id: string;
    ticket_number: number | null;
    status: string;
  }[]) {
    dbOutbound.set(row.message_id, { ticket: row.ticket_number === null ? null : Number(row.ticket_number), status: row.status });
  }
  const dbMessageTickets = new Map<string, Set<number>>();
  for (const row of (await db('ticket_messages').whereIn('email_message_id', [...messageIds]).select('email_message_id', 'ticket_number')) as {
    email_message_id: string;
    ticket_number: number;
  }[]) {
    const set = dbMessageTickets.get(row.email_message_id) ?? new Set<number>();
    set.add(Number(row.ticket_number));
    dbMessageTickets.set(row.email_message_id, set);
  }

  return {
    calendars: dbCalendars,
    companyCounts: dbCompanyCounts,
    contracts: dbContracts,
    codes: dbCodes,
    users: dbUsers,
    addresses: dbAddresses,
    tickets: dbTickets,
    outbound: dbOutbound,
    messageTickets: dbMessageTickets,
  };
}

const nowhere = '(neither in the document nor in the database)';

/** Resolution of references against the document and the database: each reports its problem and returns undefined when one does not resolve. */
function resolvers(declared: Declared, stored: Stored, add: Add) {
  const { companies: docCompanies, contracts: docContracts, users: docUsers } = declared;
  const { companyCounts: dbCompanyCounts, contracts: dbContracts, users: dbUsers } = stored;
  const companyExists = (path: PathPart[], value: unknown): string | undefined => {
    const name = nameKey(value);
    if (name === undefined) return undefined; // zod reported it
    const inDb = dbCompanyCounts.get(name) ?? 0;
    if (inDb > 1) {
      add(path, `company "${name}" is ambiguous: the database has ${inDb} companies of that name`);
      return undefined;
    }
    if (!docCompanies.has(name) && inDb === 0) {
      add(path, `unknown company "${name}" ${nowhere}`);
      return undefined;
    }
    return name;
  };
  /** The contract key when (company, number) names a contract of the document or the database. */
  const contractExists = (companyPath: PathPart[], companyValue: unknown, numberPath: PathPart[], numberValue: unknown): string | undefined => {
    const co = companyExists(companyPath, companyValue);
    const no = contractNumberKey(numberValue);
    if (co === undefined || no === undefined) return undefined;
    const key = contractKey(co, no);
    if (docContracts.has(key)) return key;
    const inDb = dbContracts.get(no);
    if (inDb && inDb.company === co) return key;
    add(numberPath, `unknown contract "${no}" of company "${co}" ${nowhere}`);
    return undefined;
  };
  const roleOf = (key: string): string | undefined => docUsers.get(key)?.role ?? dbUsers.get(key)?.role;
  const userExists = (path: PathPart[], value: unknown): string | undefined => {
    const key = loginKey(value);
    if (key === undefined) return undefined;
    if (!docUsers.has(key) && !dbUsers.has(key)) {
      add(path, `unknown login "${String(value).trim()}" ${nowhere}`);
      return undefined;
    }
    return key;
  };
  const isMember = (login: string, contract: string) =>
    Boolean(docUsers.get(login)?.contracts.has(contract) || dbUsers.get(login)?.contracts.has(contract));

  return { companyExists, contractExists, roleOf, userExists, isMember };
}

type Resolvers = ReturnType<typeof resolvers>;

function checkCompanies(doc: unknown, stored: Stored, add: Add): void {
  const dbCompanyCounts = stored.companyCounts;
  for (const [i, c] of items(doc, 'companies')) {
    const name = nameKey(c.name);
    const inDb = name === undefined ? 0 : (dbCompanyCounts.get(name) ?? 0);
    if (inDb > 1) add(['companies', i, 'name'], `company "${name}" is ambiguous: the database has ${inDb} companies of that name`);
  }
}

function checkContracts(doc: unknown, declared: Declared, stored: Stored, { companyExists }: Resolvers, add: Add): void {
  const { calendars: docCalendars } = declared;
  const { calendars: dbCalendars, contracts: dbContracts } = stored;
  for (const [i, c] of items(doc, 'contracts')) {
    const co = companyExists(['contracts', i, 'company'], c.company);
    const cal = nameKey(c.calendar);
    if (cal !== undefined && !docCalendars.has(cal) && !dbCalendars.has(cal)) {
      add(['contracts', i, 'calendar'], `unknown calendar "${cal}" ${nowhere}`);
    }
    const hotlineCal = nameKey(c.hotline_calendar);
    if (hotlineCal !== undefined && !docCalendars.has(hotlineCal) && !dbCalendars.has(hotlineCal)) {
      add(['contracts', i, 'hotline_calendar'], `unknown calendar "${hotlineCal}" ${nowhere}`);
    }
    const no = contractNumberKey(c.number);
    if (co !== undefined && no !== undefined) {
      const inDb = dbContracts.get(no);
      if (inDb && inDb.company !== co) {
        add(
          ['contracts', i, 'number'],
          `contract number "${no}" already belongs to company "${inDb.company}" in the database; contract numbers are unique`,
        );
      }
    }
  }
}

function checkUsers(doc: unknown, stored: Stored, { contractExists, isMember }: Resolvers, add: Add): void {
  const dbAddresses = stored.addresses;
  const addresses = new Map<string, PathPart[]>();
  for (const [i, u] of items(doc, 'users')) {
    const login = loginKey(u.login);
    for (const [j, c] of items(u, 'contracts')) {
      contractExists(['users', i, 'contracts', j, 'company'], c.company, ['users', i, 'contracts', j, 'number'], c.number);
    }
    const auth = record(u.authorized_email);
    if (!auth) continue;
    const path: PathPart[] = ['users', i, 'authorized_email'];
    const address = emailKey(auth.address);
    if (address !== undefined) {
      const previous = addresses.get(address);
      if (previous) add([...path, 'address'], `address "${address}" is already authorized for ${formatPath(previous)}`);
      else addresses.set(address, ['users', i]);
      const owner = dbAddresses.get(address);
      if (owner !== undefined && login !== undefined && owner !== login) {
        add([...path, 'address'], `address "${address}" is already authorized for user "${owner}" in the database`);
      }
    }
    const key = contractExists([...path, 'company'], auth.company, [...path, 'number'], auth.number);
    if (key !== undefined && login !== undefined && !isMember(login, key)) {
      add(path, `must be bound to one of the user's contracts; "${contractNumberKey(auth.number)}" of "${nameKey(auth.company)}" is not in users[${i}].contracts`);
    }
  }
}

/**
 * users[].hotline_codes: each for a contract of the user's that has the hotline (in the document,
 * else in the database), the user a customer, and no code held twice: not by two entries of the
 * document, not by another user or contract in the database (the keyed hashes are unique).
 */
async function checkHotlineCodes(db: Knex, doc: unknown, declared: Declared, stored: Stored, { contractExists, isMember, roleOf }: Resolvers, codeKey: string, add: Add): Promise<void> {
  const entries: { path: PathPart[]; login: string; number: string; hash: string }[] = [];
  for (const [i, u] of items(doc, 'users')) {
    const login = loginKey(u.login);
    for (const [j, c] of items(u, 'hotline_codes')) {
      const path: PathPart[] = ['users', i, 'hotline_codes', j];
      const key = contractExists([...path, 'company'], c.company, [...path, 'number'], c.number);
      if (key === undefined || login === undefined) continue;
      const number = contractNumberKey(c.number)!;
      if (roleOf(login) !== 'customer') add(path, 'hotline codes are for customers only');
      if (!isMember(login, key)) add(path, `must be for one of the user's contracts; "${number}" of "${nameKey(c.company)}" is not in users[${i}].contracts`);
      const hotline = declared.contracts.get(key)?.hotline ?? stored.contracts.get(number)?.hotline ?? false;
      if (!hotline) add(path, `contract "${number}" has no hotline service ("hotline": true)`);
      if (typeof c.code === 'string' && /^\d{10}$/.test(c.code)) entries.push({ path: [...path, 'code'], login, number, hash: codeHash(codeKey, c.code) });
    }
  }
  const first = new Map<string, PathPart[]>();
  for (const e of entries) {
    const previous = first.get(e.hash);
    if (previous) add(e.path, `the same code as ${formatPath(previous)}; every code is unique`);
    else first.set(e.hash, e.path);
  }
  const held = (await db('hotline_codes as h')
    .join('users as u', 'u.id', 'h.user_id')
    .join('contracts as c', 'c.id', 'h.contract_id')
    .whereIn('h.code_hash', [...first.keys()])
    .select('h.code_hash', 'u.login_key', 'u.login', 'c.number')) as { code_hash: string; login_key: string; login: string; number: string }[];
  const holders = new Map(held.map((h) => [h.code_hash, h]));
  for (const e of entries) {
    const holder = holders.get(e.hash);
    if (holder && (holder.login_key !== e.login || holder.number !== e.number)) {
      add(e.path, holder.login_key === e.login ? `is already the user's code for contract "${holder.number}" in the database; every code is unique` : `is already held by user "${holder.login}" in the database`);
    }
  }
}

function checkTickets(doc: unknown, declared: Declared, stored: Stored, { contractExists, userExists, roleOf, isMember }: Resolvers, add: Add): void {
  const { contracts: docContracts } = declared;
  const { tickets: dbTickets, contracts: dbContracts, codes: dbCodes, outbound: dbOutbound, messageTickets: dbMessageTickets } = stored;
  const docTickets = new Map<number, number>();
  const docMessageIds = new Map<string, PathPart[]>();
  for (const [i, t] of items(doc, 'tickets')) {
    const path: PathPart[] = ['tickets', i];
    const num = typeof t.number === 'number' && Number.isSafeInteger(t.number) && t.number > 0 ? t.number : undefined;
    if (num !== undefined) {
      const previous = docTickets.get(num);
      if (previous !== undefined) add([...path, 'number'], `duplicate ticket number ${num} (also tickets[${previous}])`);
      else docTickets.set(num, i);
      const existing = dbTickets.get(num);
      if (existing && !existing.imported) {
        add([...path, 'number'], `ticket ${num} already exists in the portal and was not imported; it cannot be overwritten`);
      } else if (existing && typeof t.created_at === 'string') {
        const at = DateTime.fromISO(t.created_at, { setZone: true });
        if (at.isValid && at.toMillis() !== existing.created_at.getTime()) {
          add([...path, 'created_at'], `differs from the imported ticket's ${existing.created_at.toISOString()}; the history is append-only, the creation time cannot change`);
        }
      }
    }
    const contract = contractExists([...path, 'company'], t.company, [...path, 'contract'], t.contract);
    const code = nameKey(t.paragraph);
    if (contract !== undefined && code !== undefined) {
      const inDoc = docContracts.get(contract)?.codes.has(code) ?? false;
      const dbContract = dbContracts.get(contractNumberKey(t.contract)!);
      const inDb = dbContract !== undefined && (dbCodes.get(dbContract.id)?.has(code) ?? false);
      if (!inDoc && !inDb) {
        add([...path, 'paragraph'], `unknown paragraph "${code}" of contract "${contractNumberKey(t.contract)}" ${nowhere}`);
      }
    }
    const reporter = userExists([...path, 'reporter'], t.reporter);
    if (reporter !== undefined && contract !== undefined && roleOf(reporter) === 'customer' && !isMember(reporter, contract)) {
      add([...path, 'reporter'], `customer "${reporter}" is not bound to contract "${contractNumberKey(t.contract)}" of company "${nameKey(t.company)}"`);
    }
    if (t.assignee !== null && t.assignee !== undefined) {
      const assignee = userExists([...path, 'assignee'], t.assignee);
      const role = assignee === undefined ? undefined : roleOf(assignee);
      if (assignee !== undefined && role !== undefined && !STAFF.has(role)) {
        add([...path, 'assignee'], `"${assignee}" is a ${role}; only staff (agent, admin) can be assigned`);
      }
    }
    checkHistory(t, path, { userExists, roleOf }, add);
    for (const [j, e] of items(t, 'efforts')) {
      const by = userExists([...path, 'efforts', j, 'by'], e.by);
      const role = by === undefined ? undefined : roleOf(by);
      if (by !== undefined && role !== undefined && !STAFF.has(role)) add([...path, 'efforts', j, 'by'], `"${by}" is a ${role}; effort is logged by staff`);
    }
    for (const [j, m] of items(t, 'messages')) {
      const mpath: PathPart[] = [...path, 'messages', j];
      if (m.author !== null && m.author !== undefined) {
        const author = userExists([...mpath, 'author'], m.author);
        const role = author === undefined ? undefined : roleOf(author);
        if (m.kind === 'internal' && role !== undefined && !STAFF.has(role)) {
          add([...mpath, 'author'], `"${author}" is a ${role}; internal notes are written by staff`);
        }
      }
      const id = messageIdKey(m.message_id);
      if (id === undefined) continue;
      const previous = docMessageIds.get(id);
      if (previous) {
        add([...mpath, 'message_id'], `duplicate Message-ID ${id} (also ${formatPath(previous)})`);
        continue;
      }
      docMessageIds.set(id, mpath);
      const out = dbOutbound.get(id);
      const toOutbox = m.direction === 'out' && typeof m.kind === 'string' && MESSAGE_KINDS_TO_OUTBOX.has(m.kind);
      if (out && toOutbox && out.status !== 'imported') {
        add([...mpath, 'message_id'], `${id} is mail the portal sent itself (status ${out.status}); it cannot be replaced by an import`);
      } else if (out && out.ticket !== null && num !== undefined && out.ticket !== num) {
        add([...mpath, 'message_id'], `${id} is already recorded for ticket ${out.ticket}`);
      }
      const onTickets = dbMessageTickets.get(id);
      const other = onTickets && num !== undefined ? [...onTickets].find((n) => n !== num) : undefined;
      if (other !== undefined) add([...mpath, 'message_id'], `${id} is already a message of ticket ${other}`);
    }
  }
}

const actorKindOf = (role: string | undefined): ActorKind | undefined => (role === undefined ? undefined : STAFF.has(role) ? 'staff' : 'customer');

/**
 * A ticket's past state changes (REPORT.md §4) replayed from `new`: every step one the
 * transition table allows its actor (`by` null: the system), with the text the web form asks
 * for, and an escalation's assignee staff. Order and the final state are the schema's checks.
 */
function checkHistory(t: Record<string, unknown>, path: PathPart[], { userExists, roleOf }: Pick<Resolvers, 'userExists' | 'roleOf'>, add: Add): void {
  let state: StateCode = 'new';
  let beforePause: StateCode | null = null;
  for (const [j, e] of items(t, 'events')) {
    const epath: PathPart[] = [...path, 'events', j];
    if (!isStateCode(e.to)) return; // zod reported it; the states after it cannot be followed
    let actor: ActorKind | undefined = 'system';
    if (e.by !== null && e.by !== undefined) {
      const by = userExists([...epath, 'by'], e.by);
      actor = by === undefined ? undefined : actorKindOf(roleOf(by));
    }
    if (e.assignee !== null && e.assignee !== undefined) {
      const assignee = userExists([...epath, 'assignee'], e.assignee);
      const role = assignee === undefined ? undefined : roleOf(assignee);
      if (assignee !== undefined && role !== undefined && !STAFF.has(role)) add([...epath, 'assignee'], `"${assignee}" is a ${role}; only staff (agent, admin) can be assigned`);
    }
    if (actor !== undefined) {
      const rule = ruleBetween(state, e.to, actor, beforePause);
      if (!rule) {
        const who = actor === 'system' ? 'the system (by: null)' : `a ${actor === 'staff' ? 'staff member' : 'customer'}`;
        add([...epath, 'to'], `${state} → ${e.to} by ${who} is not allowed by the transition table`);
      } else if (needsText(rule) && (typeof e.reason !== 'string' || e.reason.trim() === '')) {
        add([...epath, 'reason'], `is required for ${rule.action} (the web form asks for it)`);
      }
    }
    if (e.to === 'paused') beforePause = state;
    state = e.to;
  }
}
