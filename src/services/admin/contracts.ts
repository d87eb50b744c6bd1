/**
 * Contracts and their paragraphs (issue 10): the admin's create and edit, and the one write of
 * a contract row and of a paragraph row that the admin forms and the migration import
 * (import/write.ts) both call. A change the SLA clocks see (a contract's calendar or zone, a
 * paragraph's targets) recomputes its open tickets' stored SLA in the same transaction.
 */
import { z } from 'zod';
import { SLA_METHODS, type SlaMethod } from '../../domain/sla/index.js';
import { cs } from '../../i18n/cs.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { PARAGRAPH_KINDS } from '../import/schema.js';
import { id as rowId, optionalId, parseInput, requiredText, wholeNumber } from '../validate.js';
import { checkbox, mustBeAdmin, violates } from './companies.js';
import { type AuditWho, type Row, type Saved, save } from './records.js';
import { CONTRACT_SLA_COLUMNS, PARAGRAPH_SLA_COLUMNS, refreshAffectedTickets, touches } from './sla-impact.js';

export type ParagraphKind = (typeof PARAGRAPH_KINDS)[number];

/** A written row, and whether the change moves the clocks of its tickets (an update of an SLA column). */
export interface SavedWithSla extends Saved {
  slaChanged: boolean;
}

// ---------------------------------------------------------------- contracts

/** A contract as written; an absent optional field keeps what is stored (a new row: the column's default). */
export interface ContractFields {
  company_id: number;
  number: string;
  name: string;
  calendar_id: number;
  /** the zone its clocks run in (default Europe/Prague) */
  timezone?: string;
  active?: boolean;
  hotline?: boolean;
  /** the service calendar of its hotline's operating hours; null: the contract's own (HOTLINE.md §4) */
  hotline_calendar_id?: number | null;
}

/** Which contract a write is about: none (a new one), its id (a form), or its number (the import's natural key). */
export type ContractKey = { id: number } | { number: string } | null;

async function calendarExists(trx: Tx, id: number): Promise<boolean> {
  return Boolean(await trx('service_calendars').where({ id }).first('id'));
}

/**
 * Inserts or updates one contract (only the changed columns, audited as `contract`); `fields`
 * may depend on the stored row. A number another contract has is refused at `number`, an
 * unknown calendar at its field; a missing id is a 404.
 */
export async function saveContract(
  trx: Tx,
  who: AuditWho,
  key: ContractKey,
  fields: ContractFields | ((existing: Row | undefined) => ContractFields),
): Promise<SavedWithSla> {
  const existing = key === null ? undefined : ((await trx('contracts').where(key).first()) as Row | undefined);
  if (key !== null && 'id' in key && !existing) throw new NotFoundError('contract');
  const f = typeof fields === 'function' ? fields(existing) : fields;
  const errors: Record<string, string> = {};
  const clash = await trx('contracts')
    .where({ number: f.number })
    .modify((q) => void (existing ? q.whereNot('id', existing.id as number) : q))
    .first('id');
  if (clash) errors.number = cs.admin.companies.numberTaken;
  if (!(await calendarExists(trx, f.calendar_id))) errors.calendar_id = cs.errors.choice;
  if (f.hotline_calendar_id != null && !(await calendarExists(trx, f.hotline_calendar_id))) errors.hotline_calendar_id = cs.errors.choice;
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);

  const desired: Row = { company_id: f.company_id, number: f.number, name: f.name, calendar_id: f.calendar_id };
  for (const column of ['timezone', 'active', 'hotline', 'hotline_calendar_id'] as const) if (f[column] !== undefined) desired[column] = f[column];
  try {
    const saved = await save(trx, 'contracts', existing, {}, desired, { audit: { who, type: 'contract' } });
    return { ...saved, slaChanged: !saved.inserted && touches(saved.diff, CONTRACT_SLA_COLUMNS) };
  } catch (e) {
    if (violates(e, 'contracts_number_unique')) throw new ValidationError({ number: cs.admin.companies.numberTaken });
    throw e;
  }
}

// ---------------------------------------------------------------- paragraphs

export interface SlaTargets {
  reaction: { method: SlaMethod; amount: number };
  resolution: { method: SlaMethod; amount: number };
}

/** A paragraph as written; an absent default flag or `active` keeps what is stored. */
export interface ParagraphFields {
  code: string;
  name: string;
  kind: ParagraphKind;
  /** null: no SLA */
  sla: SlaTargets | null;
  email_default?: boolean;
  hotline_default?: boolean;
  active?: boolean;
}

/**
 * Which paragraph a write is about: its id (a form's edit), its contract and code (the import's
 * natural key: inserted when missing), or only its contract (a new one).
 */
export type ParagraphKey = { id: number } | { contractId: number; code?: string };

/** The flags of which a contract has at most one paragraph (partial unique indexes). */
const FLAGS = { email_default: 'is_email_default', hotline_default: 'is_hotline_default' } as const;

/**
 * Takes `column` away from the contract's other paragraphs (each an audited update), so that the
 * paragraph being saved may take it: at most one e-mail default and one hotline default.
 */
async function clearFlag(trx: Tx, who: AuditWho, contractId: number, column: string, exceptId: number | undefined): Promise<void> {
  const holders = (await trx('contract_paragraphs')
    .where({ contract_id: contractId, [column]: true })
    .modify((q) => void (exceptId === undefined ? q : q.whereNot('id', exceptId)))
    .orderBy('id')
    .select('*')) as Row[];
  for (const row of holders) await save(trx, 'contract_paragraphs', row, {}, { [column]: false }, { audit: { who, type: 'paragraph' } });
}

/**
 * Inserts or updates one paragraph (only the changed columns, audited as `paragraph`). Setting
 * the e-mail or hotline default takes it from the contract's other paragraph first, audited too.
 * A code another paragraph of the contract has is refused at `code`; a missing id is a 404.
 */
export async function saveParagraph(trx: Tx, who: AuditWho, key: ParagraphKey, f: ParagraphFields): Promise<SavedWithSla> {
  let existing: Row | undefined;
  if ('id' in key) {
    existing = (await trx('contract_paragraphs').where({ id: key.id }).first()) as Row | undefined;
    if (!existing) throw new NotFoundError('paragraph');
  } else if (key.code !== undefined) {
    existing = (await trx('contract_paragraphs').where({ contract_id: key.contractId, code: key.code }).first()) as Row | undefined;
  }
  const contractId = (existing?.contract_id as number | undefined) ?? ('contractId' in key ? key.contractId : 0);
  const clash = await trx('contract_paragraphs')
    .where({ contract_id: contractId, code: f.code })
    .modify((q) => void (existing ? q.whereNot('id', existing.id as number) : q))
    .first('id');
  if (clash) throw new ValidationError({ code: cs.admin.companies.codeTaken });

  const desired: Row = {
    code: f.code,
    name: f.name,
    kind: f.kind,
    sla_applies: f.sla !== null,
    reaction_method: f.sla?.reaction.method ?? null,
    reaction_amount: f.sla?.reaction.amount ?? null,
    resolution_method: f.sla?.resolution.method ?? null,
    resolution_amount: f.sla?.resolution.amount ?? null,
  };
  for (const [flag, column] of Object.entries(FLAGS) as [keyof typeof FLAGS, string][]) {
    const value = f[flag];
    if (value === undefined) continue;
    desired[column] = value;
    if (value) await clearFlag(trx, who, contractId, column, existing?.id as number | undefined);
  }
  if (f.active !== undefined) desired.active = f.active;
  try {
    const saved = await save(trx, 'contract_paragraphs', existing, { contract_id: contractId }, desired, { audit: { who, type: 'paragraph' } });
    return { ...saved, slaChanged: !saved.inserted && touches(saved.diff, PARAGRAPH_SLA_COLUMNS) };
  } catch (e) {
    if (violates(e, 'contract_paragraphs_contract_id_code_unique')) throw new ValidationError({ code: cs.admin.companies.codeTaken });
    throw e;
  }
}

// ---------------------------------------------------------------- the admin's use cases

const contractSchema = z.object({
  number: requiredText(100),
  name: requiredText(500),
  calendar_id: rowId,
  active: checkbox,
  hotline: checkbox,
  // empty: the contract's own calendar
  hotline_calendar_id: optionalId,
});

function contractFields(companyId: number, input: unknown): ContractFields {
  const data = parseInput(contractSchema, input);
  return {
    company_id: companyId,
    number: data.number,
    name: data.name,
    calendar_id: data.calendar_id,
    active: data.active,
    hotline: data.hotline,
    hotline_calendar_id: data.hotline_calendar_id ?? null,
  };
}

/** Use case: an admin creates a contract of a company. Returns its id. */
export async function createContract(ctx: ServiceContext, actor: Actor, companyId: number, input: unknown): Promise<{ id: number }> {
  const who = mustBeAdmin(actor);
  return ctx.db.transaction(async (trx) => {
    if (!(await trx('companies').where({ id: companyId }).first('id'))) throw new NotFoundError('company');
    return { id: (await saveContract(trx, who, null, contractFields(companyId, input))).id };
  });
}

/**
 * Use case: an admin edits a contract. A deactivated contract takes no new tickets (its tickets
 * stay); a new calendar recomputes its open tickets' stored SLA. Returns the tickets recomputed.
 */
export async function updateContract(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<{ changed: boolean; recomputed: number[] }> {
  const who = mustBeAdmin(actor);
  return ctx.db.transaction(async (trx) => {
    const saved = await saveContract(trx, who, { id }, (existing) => {
      if (!existing) throw new NotFoundError('contract');
      return contractFields(existing.company_id as number, input);
    });
    const recomputed = saved.slaChanged ? await refreshAffectedTickets(trx, { contracts: [id] }) : [];
    return { changed: saved.changed, recomputed };
  });
}

const blankToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const slaMethod = z.preprocess(blankToUndefined, z.enum(SLA_METHODS, { errorMap: () => ({ message: cs.errors.choice }) }).optional());
const slaAmount = z.preprocess(blankToUndefined, wholeNumber(1, 1_000_000, cs.admin.companies.amount).optional());

const paragraphSchema = z.object({
  code: requiredText(50),
  name: requiredText(500),
  kind: z.enum(PARAGRAPH_KINDS, { errorMap: () => ({ message: cs.errors.choice }) }),
  reaction_method: slaMethod,
  reaction_amount: slaAmount,
  resolution_method: slaMethod,
  resolution_amount: slaAmount,
  is_email_default: checkbox,
  is_hotline_default: checkbox,
  active: checkbox,
});

const SLA_FIELDS = ['reaction_method', 'reaction_amount', 'resolution_method', 'resolution_amount'] as const;

/**
 * The form's paragraph: every problem at once, the SLA either all four fields (method and
 * amount of the reaction and of the resolution) or none of them.
 */
function paragraphFields(input: unknown): ParagraphFields {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  let errors: Record<string, string> = {};
  let data: z.output<typeof paragraphSchema> | undefined;
  try {
    data = parseInput(paragraphSchema, raw);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    errors = { ...e.fields };
  }
  const given = SLA_FIELDS.filter((f) => blankToUndefined(raw[f]) !== undefined);
  if (given.length > 0) for (const f of SLA_FIELDS) if (!given.includes(f)) errors[f] ??= cs.admin.companies.slaIncomplete;
  if (!data || Object.keys(errors).length > 0) throw new ValidationError(errors);
  const d = data;
  return {
    code: d.code,
    name: d.name,
    kind: d.kind,
    sla:
      d.reaction_method && d.reaction_amount && d.resolution_method && d.resolution_amount
        ? { reaction: { method: d.reaction_method, amount: d.reaction_amount }, resolution: { method: d.resolution_method, amount: d.resolution_amount } }
        : null,
    email_default: d.is_email_default,
    hotline_default: d.is_hotline_default,
    active: d.active,
  };
}

/** Use case: an admin adds a paragraph to a contract. Returns its id. */
export async function createParagraph(ctx: ServiceContext, actor: Actor, contractId: number, input: unknown): Promise<{ id: number }> {
  const who = mustBeAdmin(actor);
  const fields = paragraphFields(input);
  return ctx.db.transaction(async (trx) => {
    if (!(await trx('contracts').where({ id: contractId }).first('id'))) throw new NotFoundError('contract');
    return { id: (await saveParagraph(trx, who, { contractId }, fields)).id };
  });
}

/**
 * Use case: an admin edits a paragraph. New SLA targets recomputes the stored SLA of its open
 * tickets (closed ones keep their verdicts); a deactivated paragraph takes no new tickets.
 */
export async function updateParagraph(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<{ changed: boolean; recomputed: number[] }> {
  const who = mustBeAdmin(actor);
  const fields = paragraphFields(input);
  return ctx.db.transaction(async (trx) => {
    const saved = await saveParagraph(trx, who, { id }, fields);
    const recomputed = saved.slaChanged ? await refreshAffectedTickets(trx, { paragraphs: [id] }) : [];
    return { changed: saved.changed, recomputed };
  });
}
