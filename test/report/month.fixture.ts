/**
 * A contract's October 2026 as an import document with its past history and effort
 * (REPORT.md §4), and the report REPORT.md §2 gives for it, computed by hand:
 *
 * - 98001 web INC, Mon 5 Oct 09:00, accepted 10:00 (reaction 60 min, met), resolved Tue 6 Oct
 *   11:00 (resolution 7 h + 3 h = 600 min of the 8–16 calendar, met), closed by the system 13 Oct.
 * - 98002 e-mail INC, Fri 9 Oct 15:00, accepted Mon 12 Oct 12:00 (reaction 60 + 240 = 300 min
 *   > 240, breached), resolved 15:00 (60 + 420 = 480 min ≤ 960, met), closed 19 Oct.
 * - 98003 HotLine Q, 31 Oct 23:30 +01:00 (after the DST change, still October): open at the end.
 * - 98004 API INC, 1 Nov 00:10 +01:00: in no October figure.
 * - 98005 web INC cancelled the day it came: excluded, one cancellation told; its effort too.
 * - 98006 web Q resolved in September, complained twice in October: one upheld, one rejected.
 * - 98007 web INC paused on 21 Oct, resumed in November: open at the end.
 * - 98008 web HC (hypercare) accepted: open at the end; effort in September and November left out.
 *
 * With `methods` (the command's and the read's tests), two more:
 * - 98009 web INC, cancelled on 3 Nov: cancelled now, so in no October figure either.
 * - 98010 web KRIT (reaction Min-Cont 90, resolution Den 2 = 960 service minutes), Wed 14 Oct
 *   15:00, accepted 17:00 (120 real minutes > 90, breached), resolved Thu 15 Oct 15:00 (60 + 420
 *   = 480 service minutes ≤ 960, met), closed 22 Oct.
 *
 * Effort: 98001 45 min incident (not billed by default) + 30 min billed explicitly; 98003 15 min
 * question (billed by default); 98008 120 min hypercare (billed by default).
 */
const OFFICE = { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] };

const ticket = (number: number, fields: Record<string, unknown>) => ({
  number,
  company: 'Report s.r.o.',
  contract: 'R-1',
  paragraph: 'INC',
  reporter: 'zakaznik',
  subject: `Požadavek ${number}`,
  description: 'Popis.',
  channel: 'web',
  assignee: null,
  messages: [],
  ...fields,
});

export function octoberDocument(overrides: { incidentReactionHours?: number; windows?: typeof OFFICE; methods?: boolean } = {}) {
  const doc = {
    calendars: [{ name: 'Report 8–16', timezone: 'Europe/Prague', windows: overrides.windows ?? OFFICE, country: 'CZ', holidays: [] }],
    companies: [{ name: 'Report s.r.o.', address: 'Brno' }],
    contracts: [
      {
        company: 'Report s.r.o.',
        number: 'R-1',
        name: 'Reportovaná smlouva',
        calendar: 'Report 8–16',
        paragraphs: [
          { code: 'INC', name: 'Incident', kind: 'incident', sla: { reaction: { method: 'Hod', amount: overrides.incidentReactionHours ?? 4 }, resolution: { method: 'Hod', amount: 16 } }, email_default: true },
          { code: 'Q', name: 'Dotaz', kind: 'question', sla: null },
          { code: 'HC', name: 'Hypercare', kind: 'hypercare', sla: null },
          ...(overrides.methods ? [{ code: 'KRIT', name: 'Kritická vada', kind: 'incident', sla: { reaction: { method: 'Min-Cont', amount: 90 }, resolution: { method: 'Den', amount: 2 } } }] : []),
        ],
      },
    ],
    users: [
      { login: 'zakaznik', name: 'Zákazník Reportu', email: 'zakaznik@report.cz', role: 'customer', contracts: [{ company: 'Report s.r.o.', number: 'R-1', see_all: true }] },
      { login: 'pokorna', name: 'Dana Pokorná', email: 'pokorna@helpdesk.tech', role: 'agent', contracts: [] },
    ],
    tickets: [
      ticket(98001, {
        created_at: '2026-10-05T09:00:00+02:00', state: 'closed',
        events: [
          { at: '2026-10-05T10:00:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-10-06T11:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Opraveno.' },
          { at: '2026-10-13T11:00:00+02:00', to: 'closed', by: null },
        ],
        efforts: [
          { date: '2026-10-05', minutes: 45, by: 'pokorna', note: 'Analýza' },
          { date: '2026-10-06', minutes: 30, by: 'pokorna', note: 'Oprava na přání zákazníka', billable: true },
        ],
      }),
      ticket(98002, {
        channel: 'email', created_at: '2026-10-09T15:00:00+02:00', state: 'closed',
        events: [
          { at: '2026-10-12T12:00:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-10-12T15:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Restart služby.' },
          { at: '2026-10-19T15:00:00+02:00', to: 'closed', by: null },
        ],
      }),
      ticket(98003, {
        channel: 'hotline', paragraph: 'Q', created_at: '2026-10-31T23:30:00+01:00', state: 'new', events: [],
        efforts: [{ date: '2026-10-31', minutes: 15, by: 'pokorna', note: null }],
      }),
      ticket(98004, { channel: 'api', created_at: '2026-11-01T00:10:00+01:00', state: 'new' }),
      ticket(98005, {
        created_at: '2026-10-20T10:00:00+02:00', state: 'cancelled',
        events: [{ at: '2026-10-20T11:00:00+02:00', to: 'cancelled', by: 'pokorna', reason: 'Duplicita' }],
        efforts: [{ date: '2026-10-20', minutes: 100, by: 'pokorna', billable: true }],
      }),
      ticket(98006, {
        paragraph: 'Q', created_at: '2026-09-01T10:00:00+02:00', state: 'resolved',
        events: [
          { at: '2026-09-01T11:00:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-09-02T10:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Hotovo.' },
          { at: '2026-10-02T10:00:00+02:00', to: 'complained', by: 'zakaznik', reason: 'Nefunguje.' },
          { at: '2026-10-03T10:00:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-10-04T10:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Opraveno znovu.' },
          { at: '2026-10-05T10:00:00+02:00', to: 'complained', by: 'zakaznik', reason: 'Stále ne.' },
          { at: '2026-10-06T10:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Funguje, viz záznam.' },
        ],
      }),
      ticket(98007, {
        created_at: '2026-10-20T09:00:00+02:00', state: 'accepted',
        events: [
          { at: '2026-10-20T09:30:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-10-21T10:00:00+02:00', to: 'paused', by: 'pokorna', reason: 'Pošlete prosím logy.' },
          { at: '2026-11-02T10:00:00+01:00', to: 'accepted', by: 'zakaznik' },
        ],
      }),
      ticket(98008, {
        paragraph: 'HC', created_at: '2026-10-15T10:00:00+02:00', state: 'accepted',
        events: [{ at: '2026-10-15T10:30:00+02:00', to: 'accepted', by: 'pokorna' }],
        efforts: [
          { date: '2026-10-15', minutes: 120, by: 'pokorna', note: 'Školení' },
          { date: '2026-09-30', minutes: 60, by: 'pokorna', note: 'Příprava' },
          { date: '2026-11-01', minutes: 30, by: 'pokorna', note: 'Kontrola' },
        ],
      }),
    ],
  };
  if (overrides.methods) {
    doc.tickets.push(
      ticket(98009, {
        created_at: '2026-10-03T10:00:00+02:00', state: 'cancelled',
        events: [{ at: '2026-11-03T10:00:00+01:00', to: 'cancelled', by: 'pokorna', reason: 'Nepotřebné' }],
      }),
      ticket(98010, {
        paragraph: 'KRIT', created_at: '2026-10-14T15:00:00+02:00', state: 'closed',
        events: [
          { at: '2026-10-14T17:00:00+02:00', to: 'accepted', by: 'pokorna' },
          { at: '2026-10-15T15:00:00+02:00', to: 'resolved', by: 'pokorna', reason: 'Vyměněn disk.' },
          { at: '2026-10-22T15:00:00+02:00', to: 'closed', by: null },
        ],
      }),
    );
  }
  return doc;
}

export const OCTOBER_REPORT = {
  company: 'Report s.r.o.',
  contract: 'R-1',
  month: '2026-10',
  timezone: 'Europe/Prague',
  tickets: { received: 5, resolved: 3, closed: 2, cancelled: 1, open_at_end: 3, by_channel: { web: 3, email: 1, hotline: 1, api: 0 } },
  sla: [
    {
      paragraph: 'INC',
      name: 'Incident',
      tickets: 2,
      reaction: { method: 'Hod', amount: 4, met: 1, breached: 1, met_pct: 50, consumed_median_minutes: 180, consumed_max_minutes: 300 },
      resolution: { method: 'Hod', amount: 16, met: 2, breached: 0, met_pct: 100, consumed_median_minutes: 540, consumed_max_minutes: 600 },
    },
  ],
  complaints: { filed: 2, upheld: 1, rejected: 1 },
  effort: {
    tickets: [
      { number: 98001, subject: 'Požadavek 98001', paragraph: 'INC', kind: 'incident', billable_minutes: 30, non_billable_minutes: 45 },
      { number: 98003, subject: 'Požadavek 98003', paragraph: 'Q', kind: 'question', billable_minutes: 15, non_billable_minutes: 0 },
      { number: 98008, subject: 'Požadavek 98008', paragraph: 'HC', kind: 'hypercare', billable_minutes: 120, non_billable_minutes: 0 },
    ],
    billable_minutes_by_kind: { incident: 30, order: 0, question: 15, hypercare: 120 },
    billable_hours: 2.75,
    non_billable_minutes: 45,
  },
};

/** OCTOBER_REPORT with the `methods` tickets: 98010 received, resolved and closed on KRIT; 98009 nowhere. */
export const OCTOBER_REPORT_WITH_METHODS = {
  ...OCTOBER_REPORT,
  tickets: { ...OCTOBER_REPORT.tickets, received: 6, resolved: 4, closed: 3, by_channel: { ...OCTOBER_REPORT.tickets.by_channel, web: 4 } },
  sla: [
    ...OCTOBER_REPORT.sla,
    {
      paragraph: 'KRIT',
      name: 'Kritická vada',
      tickets: 1,
      reaction: { method: 'Min-Cont', amount: 90, met: 0, breached: 1, met_pct: 0, consumed_median_minutes: 120, consumed_max_minutes: 120 },
      resolution: { method: 'Den', amount: 2, met: 1, breached: 0, met_pct: 100, consumed_median_minutes: 480, consumed_max_minutes: 480 },
    },
  ],
};
