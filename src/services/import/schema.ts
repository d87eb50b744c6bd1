/**
 * The migration import document (IMPORT.md) as zod schemas. Structure and values only; the
 * references between entities (and to the database) are checked in check.ts.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { loginKey as normalLoginKey } from '../../domain/login.js';
import { normalisePhone } from '../../domain/phone.js';
import { calendarConfigSchema, SLA_METHODS, type CalendarConfig } from '../../domain/sla/index.js';
import { STATES } from '../../domain/states.js';

export const PARAGRAPH_KINDS = ['incident', 'order', 'question', 'hypercare'] as const;
export const ROLES = ['customer', 'agent', 'admin'] as const;
export const CHANNELS = ['web', 'email', 'hotline', 'api'] as const;
export const DIRECTIONS = ['in', 'out'] as const;
export const MESSAGE_KINDS = ['notification', 'comment', 'internal'] as const;

// ---- key normalisation, shared with the reference checks (which read the raw document) ----

/** Names (calendar, company) and codes are compared trimmed, case-sensitively. */
export const nameKey = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
/** Logins are compared in their one normal form (domain/login.ts), as sign-in compares them. */
export const loginKey = (v: unknown): string | undefined => (typeof v === 'string' && normalLoginKey(v) !== '' ? normalLoginKey(v) : undefined);
/** Contract numbers are text; a JSON number is accepted for convenience. */
export const contractNumberKey = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : nameKey(v);
export const emailKey = (v: unknown): string | undefined => nameKey(v)?.toLowerCase();

const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
/** Message-IDs are kept in header form, `<left@right>`; the angle brackets may be left out in the document. */
export const messageIdKey = (v: unknown): string | undefined => {
  const s = nameKey(v);
  if (s === undefined) return undefined;
  return s.startsWith('<') ? s : `<${s}>`;
};

// ---- field schemas ----

const text = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty');

/** Body text: kept exactly as given (may be empty). */
const body = z.string({ required_error: 'is required', invalid_type_error: 'must be a string' });

const optionalText = z
  .string({ invalid_type_error: 'must be a string or null' })
  .nullable()
  .optional()
  .transform((v) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim()));

function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z
    .string({ required_error: 'is required', invalid_type_error: `must be one of ${values.join(', ')}` })
    .refine((v): v is T[number] => (values as readonly string[]).includes(v), (v) => ({ message: `unknown ${what} "${v}"` }));
}

const contractNumber = z.unknown().transform((v, ctx) => {
  const key = contractNumberKey(v);
  if (key === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: v === undefined ? 'is required' : 'must be a contract number (a non-empty string)',
    });
    return z.NEVER;
  }
  return key;
});

const email = z
  .string({ required_error: 'is required', invalid_type_error: 'must be an e-mail address' })
  .trim()
  .toLowerCase()
  .email('must be an e-mail address')
  .max(254, 'must be an e-mail address');

const optionalEmail = z
  .string({ invalid_type_error: 'must be an e-mail address or null' })
  .trim()
  .toLowerCase()
  .nullable()
  .optional()
  .superRefine((v, ctx) => {
    if (v && !z.string().email().max(254).safeParse(v).success) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an e-mail address or null' });
    }
  })
  .transform((v) => (v === undefined ? undefined : v ? v : null));

/** E.164 like the portal's forms store it; a bare 9-digit number is Czech. */
const optionalPhone = z
  .string({ invalid_type_error: 'must be a phone number or null' })
  .nullable()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v === null || v.trim() === '') return null;
    const normalised = normalisePhone(v);
    if (!normalised) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid phone number "${v}"` });
      return z.NEVER;
    }
    return normalised;
  });

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const instant = z
  .string({ required_error: 'is required', invalid_type_error: 'must be an ISO 8601 instant with an offset' })
  .refine((s) => INSTANT.test(s) && DateTime.fromISO(s, { setZone: true }).isValid, {
    message: 'must be an ISO 8601 instant with an offset, e.g. 2026-10-15T09:12:00+02:00',
  })
  .transform((s) => DateTime.fromISO(s, { setZone: true }).toJSDate());

const loginRef = text;
const optionalLoginRef = z
  .string({ invalid_type_error: 'must be a login or null' })
  .trim()
  .min(1, 'must not be empty')
  .nullable()
  .optional()
  .transform((v) => v ?? null);

const bool = (fallback: boolean) => z.boolean({ invalid_type_error: 'must be true or false' }).default(fallback);
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item, { invalid_type_error: 'must be a list' }).default([]);
const object = <T extends z.ZodRawShape>(shape: T) => z.object(shape, { invalid_type_error: 'must be an object' }).strict();

// ---- entities ----

/**
 * A schema plus checks across its fields that run on the raw value, so that they are reported
 * even when some other field of the object is invalid (every problem at once).
 */
function checked<T extends z.ZodTypeAny>(
  schema: T,
  check: (raw: Record<string, unknown>, add: (path: (string | number)[], message: string) => void) => void,
) {
  return z.unknown().transform((raw, ctx): z.output<T> => {
    const result = schema.safeParse(raw);
    let failed = !result.success;
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue(issue as z.IssueData);
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      check(raw as Record<string, unknown>, (path, message) => {
        failed = true;
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
      });
    }
    return failed ? z.NEVER : (result.data as z.output<T>);
  });
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;

/** Calendar fields are validated by the SLA module's own schema (parseCalendarConfig's). */
export const calendarSchema = checked(
  object({
    name: text,
    timezone: z.unknown(),
    windows: z.unknown(),
    country: z.unknown(),
    holidays: z.unknown(),
    service_day_minutes: z.unknown(),
  }),
  (raw, add) => {
    const result = calendarConfigSchema.safeParse(calendarConfigInput(raw));
    if (result.success) return;
    for (const issue of result.error.issues) {
      const path = issue.path.map((p) => (p === 'serviceDayMinutes' ? 'service_day_minutes' : p));
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add([...path, key], 'unknown field');
      else if (issue.code === 'invalid_type' && issue.received === 'undefined') add(path, issue.message === 'Required' ? 'is required' : issue.message);
      else add(path, issue.message);
    }
  },
).transform((c) => ({ name: c.name, config: calendarConfigSchema.parse(calendarConfigInput(c)) as CalendarConfig }));

function calendarConfigInput(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    timezone: raw.timezone,
    windows: raw.windows,
    // absent: the database default, Czech public holidays
    country: raw.country === undefined ? 'CZ' : raw.country,
    holidays: raw.holidays,
    ...(raw.service_day_minutes === undefined ? {} : { serviceDayMinutes: raw.service_day_minutes }),
  };
}

export const companySchema = object({
  name: text,
  address: optionalText,
});

const targetSchema = object({
  method: oneOf(SLA_METHODS, 'method'),
  amount: z
    .number({ required_error: 'is required', invalid_type_error: 'must be a positive whole number' })
    .int('must be a positive whole number')
    .positive('must be a positive whole number'),
});

export const paragraphSchema = object({
  code: text,
  name: text,
  kind: oneOf(PARAGRAPH_KINDS, 'kind'),
  sla: z
    .object({ reaction: targetSchema, resolution: targetSchema }, { invalid_type_error: 'must be an object {reaction, resolution} or null (no SLA)' })
    .strict()
    .nullable(),
  email_default: bool(false),
  /** the paragraph of hotline tickets (HOTLINE.md §5); absent: kept as stored */
  hotline_default: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
});

export const contractSchema = checked(
  object({
    company: text,
    number: contractNumber,
    name: text,
    calendar: text,
    /** the hotline service (HOTLINE.md); absent: kept as stored (a new contract: none) */
    hotline: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    /** the calendar of its operating hours; absent or null: the contract's own */
    hotline_calendar: optionalText,
    paragraphs: list(paragraphSchema),
  }),
  (raw, add) => {
    const seen = new Map<string, number>();
    let firstDefault: number | null = null;
    let firstHotline: number | null = null;
    for (const [i, p] of asList(raw.paragraphs).entries()) {
      const code = nameKey(field(p, 'code'));
      const previous = code === undefined ? undefined : seen.get(code);
      if (previous !== undefined) add(['paragraphs', i, 'code'], `duplicate paragraph code "${code}" (also paragraphs[${previous}])`);
      else if (code !== undefined) seen.set(code, i);
      if (field(p, 'email_default') === true) {
        if (firstDefault !== null) {
          add(['paragraphs', i, 'email_default'], `only one paragraph of a contract can be the e-mail default (also paragraphs[${firstDefault}])`);
        } else firstDefault = i;
      }
      if (field(p, 'hotline_default') === true) {
        if (firstHotline !== null) {
          add(['paragraphs', i, 'hotline_default'], `only one paragraph of a contract can be the hotline default (also paragraphs[${firstHotline}])`);
        } else firstHotline = i;
      }
    }
    if (raw.hotline === true && firstHotline === null) {
      add(['hotline'], 'a contract with the hotline needs one paragraph with "hotline_default": true (the paragraph of hotline tickets)');
    }
  },
);

/** HOTLINE.md §3: exactly ten digits, as a string (a number would lose leading zeros). */
const hotlineCode = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string of 10 digits' })
  .refine((v) => /^\d{10}$/.test(v), 'must be exactly 10 digits');

const contractRefSchema = object({ company: text, number: contractNumber });

export const userSchema = checked(
  object({
    login: text,
    name: text,
    email,
    phone: optionalPhone,
    role: oneOf(ROLES, 'role'),
    password: z.string({ invalid_type_error: 'must be a string' }).min(1, 'must not be empty').optional(),
    contracts: list(contractRefSchema.extend({ see_all: bool(false) })),
    authorized_email: z
      .object({ address: email, company: text, number: contractNumber }, { invalid_type_error: 'must be an object {address, company, number} or null' })
      .strict()
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    /** codes from the old system, one per hotline contract of the user's; stored only as keyed hashes */
    hotline_codes: list(object({ company: text, number: contractNumber, code: hotlineCode })),
  }),
  (raw, add) => {
    const seen = new Map<string, number>();
    const codeContracts = new Map<string, number>();
    for (const [i, c] of asList(raw.hotline_codes).entries()) {
      const company = nameKey(field(c, 'company'));
      const number = contractNumberKey(field(c, 'number'));
      if (company === undefined || number === undefined) continue;
      const key = `${company}\u0000${number}`;
      const previous = codeContracts.get(key);
      if (previous !== undefined) add(['hotline_codes', i], `a second code for contract "${number}" of company "${company}" (also hotline_codes[${previous}]); one code per contract`);
      else codeContracts.set(key, i);
    }
    for (const [i, c] of asList(raw.contracts).entries()) {
      const company = nameKey(field(c, 'company'));
      const number = contractNumberKey(field(c, 'number'));
      if (company === undefined || number === undefined) continue;
      const key = `${company}\u0000${number}`;
      const previous = seen.get(key);
      if (previous !== undefined) add(['contracts', i], `duplicate contract "${number}" of company "${company}" (also contracts[${previous}])`);
      else seen.set(key, i);
    }
  },
);

const messageBaseSchema = object({
  at: instant,
  author: optionalLoginRef,
  direction: oneOf(DIRECTIONS, 'direction'),
  to: optionalEmail,
  subject: optionalText,
  body,
  message_id: z
    .string({ invalid_type_error: 'must be a Message-ID "<id@domain>" or null' })
    .nullable()
    .optional()
    .transform((v, ctx) => {
      const key = messageIdKey(v);
      if (key === undefined) return null;
      if (!MESSAGE_ID.test(key)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid Message-ID "${v}" (expected "<id@domain>")` });
        return z.NEVER;
      }
      return key;
    }),
  kind: oneOf(MESSAGE_KINDS, 'message kind'),
});

export const messageSchema = checked(messageBaseSchema, (raw, add) => {
  if (raw.kind !== 'notification') return;
  if (raw.direction !== 'out' && raw.direction !== undefined) {
    add(['direction'], 'a notification is mail the old system sent: direction must be "out"');
  }
  if (messageIdKey(raw.message_id) === undefined) add(['message_id'], 'is required for a notification (replies thread by it)');
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a date YYYY-MM-DD' })
  .refine((s) => ISO_DATE.test(s) && DateTime.fromISO(s).isValid && s >= '1900-01-01', { message: 'must be a date YYYY-MM-DD' });

/** A past state change (REPORT.md §4): the step must be one the transition table allows (check.ts). */
export const eventSchema = object({
  at: instant,
  to: oneOf(STATES, 'state'),
  /** null: the system (auto-close) */
  by: optionalLoginRef,
  assignee: optionalLoginRef,
  /** the reason, resolution or requested cooperation, where the web form asks for one */
  reason: optionalText,
});

/** Past effort (REPORT.md §4); `billable` left out defaults from the paragraph kind. */
export const effortSchema = object({
  date: isoDate,
  minutes: z
    .number({ required_error: 'is required', invalid_type_error: 'must be a whole number of minutes (1–1440)' })
    .int('must be a whole number of minutes (1–1440)')
    .min(1, 'must be a whole number of minutes (1–1440)')
    .max(1440, 'must be a whole number of minutes (1–1440)'),
  by: loginRef,
  note: optionalText,
  billable: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
});

const ticketBaseSchema = object({
  number: z
    .number({ required_error: 'is required', invalid_type_error: 'must be a positive whole number' })
    .int('must be a positive whole number')
    .positive('must be a positive whole number')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
  company: text,
  contract: contractNumber,
  paragraph: text,
  reporter: loginRef,
  contact_phone: optionalPhone,
  contact_email: optionalEmail,
  subject: text,
  description: body,
  channel: oneOf(CHANNELS, 'channel'),
  state: oneOf(STATES, 'state'),
  assignee: optionalLoginRef,
  created_at: instant,
  messages: list(messageSchema),
  events: list(eventSchema),
  efforts: list(effortSchema),
});

const instantOf = (v: unknown): number | undefined => {
  if (typeof v !== 'string' || !INSTANT.test(v)) return undefined;
  const at = DateTime.fromISO(v, { setZone: true });
  return at.isValid ? at.toMillis() : undefined;
};

/** The history's order and its end; whether each step is allowed needs the actors' roles (check.ts). */
export const ticketSchema = checked(ticketBaseSchema, (raw, add) => {
  const events = asList(raw.events);
  const created = instantOf(raw.created_at);
  let previous = created;
  for (const [i, e] of events.entries()) {
    const at = instantOf(field(e, 'at'));
    if (at === undefined) continue;
    if (created !== undefined && at < created) add(['events', i, 'at'], 'is before the ticket\'s created_at');
    else if (previous !== undefined && at < previous) add(['events', i, 'at'], `is before events[${i - 1}].at: events must be in time order`);
    previous = at;
  }
  // a ticket without `events` keeps IMPORT.md's rule: its state as the old system had it
  if (raw.events === undefined) return;
  const last = events.length > 0 ? field(events[events.length - 1], 'to') : 'new';
  if (typeof raw.state === 'string' && typeof last === 'string' && raw.state !== last) {
    add(['state'], events.length > 0 ? `must equal the last event's "to" ("${last}")` : 'must be "new" for a ticket without events, or give its events');
  }
});

export const documentSchema = object({
  calendars: list(calendarSchema),
  companies: list(companySchema),
  contracts: list(contractSchema),
  users: list(userSchema),
  tickets: list(ticketSchema),
});

export type ImportDocument = z.output<typeof documentSchema>;
export type CalendarInput = ImportDocument['calendars'][number];
export type CompanyInput = ImportDocument['companies'][number];
export type ContractInput = ImportDocument['contracts'][number];
export type ParagraphInput = ContractInput['paragraphs'][number];
export type UserInput = ImportDocument['users'][number];
export type TicketInput = ImportDocument['tickets'][number];
export type MessageInput = TicketInput['messages'][number];
export type EventInput = TicketInput['events'][number];
export type EffortInput = TicketInput['efforts'][number];
