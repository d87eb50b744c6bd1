/**
 * The CSV user import (issue 10; manual §2.1: the users listed in the contract documents).
 *
 * A file of the columns jmeno;email;telefon;spolecnost;smlouva;vidi_vse;autorizovany_email, in
 * UTF-8 with or without a byte-order mark, separated by `;` or `,` (what Czech Excel saves),
 * parsed with csv-parse. Each row is checked against the database and the rest of the file, and
 * the preview shows every row with its status and errors. The import checks the file again in
 * its one transaction, writes nothing while any row is bad, writes each row with the new-user
 * form's own function (users.ts writeUserEntryInTx) and then invites every new user.
 *
 * Decisions: the login of a new user is their e-mail. A row whose e-mail is already a user's
 * (the same login key, else the one user with that e-mail) updates that user (name, phone) and
 * adds the row's contract; they get no new invitation. One user may be on several rows with
 * different contracts. Only customers are imported: a row naming a staff member is an error.
 */
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { loginKey } from '../../domain/login.js';
import { cs } from '../../i18n/cs.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { inviteUserInTx } from './invitations.js';
import type { AuditWho } from './records.js';
import { personSchema, type UserEntry, type UserMatch, writeUserEntryInTx } from './users.js';

export const CSV_COLUMNS = ['jmeno', 'email', 'telefon', 'spolecnost', 'smlouva', 'vidi_vse', 'autorizovany_email'] as const;
type Column = (typeof CSV_COLUMNS)[number];

/**
 * The largest file: its text goes back with the confirmation as a form field, and percent-encoded
 * (up to three characters a byte) it stays within the app's 1 MB limit of url-encoded bodies.
 */
export const CSV_MAX_BYTES = 300_000;
export const CSV_MAX_ROWS = 2_000;

/** The file cannot be read as the import's CSV at all (encoding, size, header, quoting). */
export class CsvFileError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

export type RowStatus = 'new' | 'existing' | 'error';

export interface CsvRow {
  /** the line of the file the row ends on (the header is line 1) */
  line: number;
  values: Record<Column, string>;
  status: RowStatus;
  errors: string[];
}

export interface CsvPreview {
  rows: CsvRow[];
  /** no row is bad: the import may run */
  ok: boolean;
  counts: { total: number; new: number; existing: number; error: number };
}

/** A bad file or a bad row: nothing was imported. */
export class CsvRefusedError extends Error {
  constructor(readonly preview: CsvPreview) {
    super('the CSV has bad rows');
  }
}

/** The uploaded bytes as text: UTF-8 only (a byte-order mark is dropped), within the size limit. */
export function decodeCsv(bytes: Uint8Array): string {
  if (bytes.byteLength > CSV_MAX_BYTES) throw new CsvFileError(cs.admin.usersCsv.tooLarge(Math.floor(CSV_MAX_BYTES / 1000)));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvFileError(cs.admin.usersCsv.notUtf8);
  }
}

/** `;` when the header line has one (Czech Excel), else `,`. */
function delimiterOf(text: string): ';' | ',' {
  const header = text.slice(0, text.search(/\r|\n|$/));
  return header.includes(';') ? ';' : ',';
}

/** The file's data rows with their line numbers; a file that is not the import's CSV is a CsvFileError. */
export function parseUsersCsv(input: string): { line: number; cells: string[] }[] {
  const text = input.replace(/^\uFEFF/, '');
  if (Buffer.byteLength(text) > CSV_MAX_BYTES) throw new CsvFileError(cs.admin.usersCsv.tooLarge(Math.floor(CSV_MAX_BYTES / 1000)));
  if (text.trim() === '') throw new CsvFileError(cs.admin.usersCsv.empty);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: delimiterOf(text),
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const { lines, code } = e as { lines?: number; code?: string };
    throw new CsvFileError(cs.admin.usersCsv.unreadable(lines ?? 1, /QUOTE/.test(code ?? '') ? cs.admin.usersCsv.quotes : (e as Error).message));
  }
  const [header, ...rows] = records;
  const names = (header?.record ?? []).map((c) => c.trim().toLowerCase());
  if (names.length !== CSV_COLUMNS.length || names.some((n, i) => n !== CSV_COLUMNS[i])) {
    throw new CsvFileError(cs.admin.usersCsv.badHeader((header?.record ?? []).join(delimiterOf(text)), CSV_COLUMNS.join(';')));
  }
  // Excel saves the rows it once formatted as rows of empty cells
  const data = rows.filter((r) => r.record.some((c) => c !== '')).map((r) => ({ line: r.info.lines, cells: r.record }));
  if (data.length === 0) throw new CsvFileError(cs.admin.usersCsv.noRows);
  if (data.length > CSV_MAX_ROWS) throw new CsvFileError(cs.admin.usersCsv.tooManyRows(CSV_MAX_ROWS));
  return data;
}

const YES = new Set(['ano', '1', 'true']);
const NO = new Set(['ne', '0', 'false', '']);

/** The CSV column each field of the person schema comes from, for the row's messages. */
const COLUMN_OF: Record<string, Column> = { name: 'jmeno', email: 'email', phone: 'telefon', authorized_email: 'autorizovany_email' };

const emailOnly = personSchema.pick({ email: true });

/** A row checked: what it writes (when good) and for which user. */
interface CheckedRow extends CsvRow {
  entry?: UserEntry;
  match?: UserMatch;
  /** the user the row means: their id, or the login key of a new one */
  userKey?: string;
}

interface StoredUser {
  id: number;
  login_key: string;
  email: string;
  role: string;
}

/**
 * Checks every row against the database (`db`: a pool for the preview, the import's transaction)
 * and the rest of the file; says what each row does.
 */
async function checkRows(db: Knex, parsed: { line: number; cells: string[] }[]): Promise<CheckedRow[]> {
  const t = cs.admin.usersCsv;
  const rows: CheckedRow[] = parsed.map(({ line, cells }) => ({
    line,
    values: Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, cells[i] ?? ''])) as Record<Column, string>,
    status: 'error',
    errors: cells.length === CSV_COLUMNS.length ? [] : [t.columns(cells.length, CSV_COLUMNS.length)],
  }));

  // what the rows name, read at once
  const emails = new Set<string>();
  const companyNames = new Set<string>();
  const numbers = new Set<string>();
  const addresses = new Set<string>();
  for (const r of rows) {
    const email = emailOnly.safeParse({ email: r.values.email });
    if (email.success) emails.add(email.data.email);
    companyNames.add(r.values.spolecnost.toLowerCase());
    numbers.add(r.values.smlouva);
    if (r.values.autorizovany_email) addresses.add(r.values.autorizovany_email.toLowerCase());
  }
  const keys = [...emails].map(loginKey);
  const users = (await db('users')
    .whereIn('login_key', keys)
    .orWhereRaw('lower(email) = any(?)', [[...emails]])
    .select('id', 'login_key', db.raw('lower(email) as email'), 'role')) as StoredUser[];
  const contracts = (await db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .whereIn('c.number', [...numbers])
    .select('c.id', 'c.number', 'co.name as company')) as { id: number; number: string; company: string }[];
  const companies = new Set(
    ((await db('companies').whereRaw('lower(name) = any(?)', [[...companyNames]]).pluck('name')) as string[]).map((n) => n.toLowerCase()),
  );
  const holders = (await db('authorized_addresses').whereIn('address', [...addresses]).select('address', 'user_id')) as { address: string; user_id: number }[];

  const firstOf = new Map<string, CheckedRow>(); // user → their first row
  const seen = new Map<string, number>(); // user + contract → line
  const addressLine = new Map<string, number>(); // address → its first row
  const userAddress = new Map<string, { address: string; line: number }>(); // user → their address
  for (const r of rows) {
    const v = r.values;
    const person = personSchema.extend({ authorized_email: personSchema.shape.email.optional() }).safeParse({
      name: v.jmeno,
      email: v.email,
      phone: v.telefon,
      authorized_email: v.autorizovany_email === '' ? undefined : v.autorizovany_email,
    });
    if (!person.success) {
      const fields = new Map<string, string>();
      for (const issue of person.error.issues) {
        const field = String(issue.path[0]);
        if (!fields.has(field)) fields.set(field, issue.message);
      }
      for (const [field, message] of fields) r.errors.push(t.field(COLUMN_OF[field] ?? field, message));
    }
    const seesAll = v.vidi_vse.toLowerCase();
    if (!YES.has(seesAll) && !NO.has(seesAll)) r.errors.push(t.seesAll);

    const contract = contracts.find((c) => c.number === v.smlouva && c.company.toLowerCase() === v.spolecnost.toLowerCase());
    if (!contract) {
      if (v.spolecnost === '') r.errors.push(t.field('spolecnost', cs.errors.required));
      else if (!companies.has(v.spolecnost.toLowerCase())) r.errors.push(t.noCompany(v.spolecnost));
      if (v.smlouva === '') r.errors.push(t.field('smlouva', cs.errors.required));
      else {
        const elsewhere = contracts.find((c) => c.number === v.smlouva);
        if (!elsewhere) r.errors.push(t.noContract(v.smlouva));
        else if (companies.has(v.spolecnost.toLowerCase())) r.errors.push(t.otherCompany(v.smlouva, elsewhere.company));
      }
    }
    if (!person.success) continue;
    const p = person.data;

    // the user the row means
    const key = loginKey(p.email);
    const byLogin = users.find((u) => u.login_key === key);
    const byEmail = users.filter((u) => u.email === p.email);
    const existing = byLogin ?? (byEmail.length === 1 ? byEmail[0] : undefined);
    if (!existing && byEmail.length > 1) r.errors.push(t.ambiguous);
    if (existing && existing.role !== 'customer') r.errors.push(t.staff);
    const user = existing ? `id:${existing.id}` : `key:${key}`;

    const first = firstOf.get(user);
    if (first && first.values.jmeno !== v.jmeno) r.errors.push(t.otherName(first.line));
    if (!first) firstOf.set(user, r);
    if (contract) {
      const previous = seen.get(`${user}\u0000${contract.id}`);
      if (previous !== undefined) r.errors.push(t.duplicate(previous));
      else seen.set(`${user}\u0000${contract.id}`, r.line);
    }
    if (p.authorized_email !== undefined) {
      const address = p.authorized_email;
      const inFile = addressLine.get(address);
      if (inFile !== undefined) r.errors.push(t.addressInFile(inFile));
      else addressLine.set(address, r.line);
      const own = userAddress.get(user);
      if (own && own.address !== address) r.errors.push(t.twoAddresses(own.line));
      else if (!own) userAddress.set(user, { address, line: r.line });
      const holder = holders.find((h) => h.address === address);
      if (holder && holder.user_id !== existing?.id) {
        // the holder's name, as the form says it (users.ts writeAuthorizedAddressInTx)
        const held = (await db('authorized_addresses as a')
          .join('users as u', 'u.id', 'a.user_id')
          .join('contracts as c', 'c.id', 'a.contract_id')
          .join('companies as co', 'co.id', 'c.company_id')
          .where('a.address', address)
          .first('u.name', 'u.login', 'c.number', 'co.name as company')) as { name: string; login: string; number: string; company: string };
        r.errors.push(t.field('autorizovany_email', cs.admin.users.addressTaken(address, `${held.name} (${held.login})`, held.company, held.number)));
      }
    }
    if (r.errors.length > 0 || !contract) continue;
    r.status = existing ? 'existing' : 'new';
    r.userKey = user;
    r.match = existing ? { id: existing.id } : { loginKey: key };
    r.entry = {
      // an existing user keeps their login, role and activity
      ...(existing ? {} : { login: p.email, role: 'customer' as const, active: true }),
      name: p.name,
      email: p.email,
      ...(p.phone === undefined ? {} : { phone: p.phone }),
      contract: { id: contract.id, seesAll: YES.has(seesAll) },
      ...(p.authorized_email === undefined ? {} : { authorizedEmail: p.authorized_email }),
    };
  }
  return rows;
}

function previewOf(rows: CheckedRow[]): CsvPreview {
  const count = (s: RowStatus) => rows.filter((r) => r.status === s).length;
  const counts = { total: rows.length, new: new Set(rows.filter((r) => r.status === 'new').map((r) => r.userKey)).size, existing: new Set(rows.filter((r) => r.status === 'existing').map((r) => r.userKey)).size, error: count('error') };
  return {
    rows: rows.map(({ line, values, status, errors }) => ({ line, values, status, errors })),
    ok: counts.error === 0,
    counts,
  };
}

/** The preview of an import: every row with its status and errors; writes nothing. A file that cannot be read is a CsvFileError. */
export async function previewUsersCsv(db: Knex, text: string): Promise<CsvPreview> {
  return previewOf(await checkRows(db, parseUsersCsv(text)));
}

// one CSV import at a time (the migration import has 0x4844_1001)
const CSV_LOCK = 0x4844_1002;

/**
 * Use case: an admin imports the users of a CSV file. The file is checked again in the import's
 * one transaction; while any row is bad nothing is written (CsvRefusedError with the preview).
 * Each row is written as the new-user form writes (users.ts), audited as the CSV import, and
 * every new user is then invited.
 */
export async function importUsersCsv(ctx: ServiceContext, actor: Actor, text: string): Promise<{ created: number; updated: number; invited: number }> {
  if (actor.role !== 'admin') throw new ForbiddenError();
  const who: AuditWho = { actorId: actor.id, source: 'csv' };
  const parsed = parseUsersCsv(text);
  return ctx.db.transaction(async (trx: Tx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [CSV_LOCK]);
    const rows = await checkRows(trx, parsed);
    const preview = previewOf(rows);
    if (!preview.ok) throw new CsvRefusedError(preview);
    const written = new Map<string, { userId: number; created: boolean }>();
    for (const r of rows) {
      const earlier = written.get(r.userKey!);
      // a later row of a user the file creates adds to the user written by their first row
      const result = await writeUserEntryInTx(trx, who, earlier ? { id: earlier.userId } : r.match!, r.entry!);
      if (!earlier) written.set(r.userKey!, result);
    }
    const created = [...written.values()].filter((w) => w.created);
    for (const w of created) await inviteUserInTx(trx, ctx, who, w.userId);
    return { created: created.length, updated: written.size - created.length, invited: created.length };
  });
}
