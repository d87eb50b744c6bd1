/**
 * The admin's service calendars over HTTP (issue 10): /admin/calendars, /admin/calendars/new,
 * /admin/calendars/:id. Created with the form's CSRF token, a night window is stored split at
 * midnight; refused input comes back with status 400, every typed value and the message at its
 * field, nothing written; an edit moves the stored due of the open tickets on its contracts in
 * the same save and leaves closed tickets' stored verdicts; every change is in the audit log.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { recomputeOpenTickets, refreshStoredSla, stateChangesJson, ticketClocks } from '../../src/services/sla.js';
import { acceptTicket, closeTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

const ALWAYS = { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [['00:00', '24:00']], sun: [['00:00', '24:00']] };
const OFFICE = { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] };
const EMPTY_WEEK = { win_mon: '', win_tue: '', win_wed: '', win_thu: '', win_fri: '', win_sat: '', win_sun: '' };

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let admin: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const post = (path: string, fields: Record<string, string>, csrf: string | null = admin.csrf) =>
  admin.agent.post(path).type('form').send(csrf === null ? fields : { _csrf: csrf, ...fields });

/** Rows that a refused save must not have touched. */
const counts = async () => ({
  calendars: Number((await tdb.db('service_calendars').count('* as n').first())?.n),
  audit: Number((await tdb.db('audit_log').count('* as n').first())?.n),
});

/** The error paragraph the field partial ties to a field (aria-describedby). */
function fieldError(html: string, field: string): string | null {
  const m = new RegExp(`<p class="error" id="err-f-${field}">([^<]*)</p>`).exec(html);
  return m ? visibleText(m[1]!) : null;
}

describe('creating a calendar', () => {
  it('stores a night window split at midnight, the country, the closed dates, and audits the creation', async () => {
    const form = await admin.agent.get('/admin/calendars/new');
    expect(form.status).toBe(200);
    // a new calendar starts as Monday to Friday 08:00-16:00 with Czech holidays
    expect(form.text).toContain('name="win_mon" type="text" value="08:00-16:00"');
    const res = await post('/admin/calendars/new', {
      name: 'Noční služba',
      ...EMPTY_WEEK,
      win_mon: '22:00-06:00',
      win_sat: '8:00–12:00, 13:00-16:00',
      holiday_country: 'CZ',
      extra_closed_dates: '2026-12-31\n\n2026-12-30\n',
      service_day_minutes: '',
    });
    expect(res.status).toBe(303);
    const id = Number(/^\/admin\/calendars\/(\d+)\?saved=1$/.exec(res.headers.location ?? '')?.[1]);
    expect(id).toBeGreaterThan(0);
    const row = await tdb.db('service_calendars').where({ id }).first('name', 'windows', 'holiday_country', 'extra_closed_dates', 'service_day_minutes');
    expect(row).toEqual({
      name: 'Noční služba',
      windows: { mon: [['22:00', '24:00']], tue: [['00:00', '06:00']], wed: [], thu: [], fri: [], sat: [['08:00', '12:00'], ['13:00', '16:00']], sun: [] },
      holiday_country: 'CZ',
      extra_closed_dates: ['2026-12-30', '2026-12-31'],
      service_day_minutes: null,
    });
    const audit = await tdb.db('audit_log').where({ object_type: 'calendar', object_id: String(id) }).select('actor_id', 'source', 'action', 'before', 'after');
    expect(audit).toEqual([
      {
        actor_id: w.users.admin.id,
        source: 'web',
        action: 'create',
        before: null,
        after: { id, name: 'Noční služba', windows: row.windows, holiday_country: 'CZ', extra_closed_dates: ['2026-12-30', '2026-12-31'], service_day_minutes: null },
      },
    ]);

    // the page: the saved notice, the stored windows as text, the list with it
    const page = await admin.agent.get(`/admin/calendars/${id}?saved=1`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('role="status"');
    expect(page.text).toContain('name="win_mon" type="text" value="22:00-24:00"');
    expect(page.text).toContain('name="win_tue" type="text" value="00:00-06:00"');
    const list = visibleText((await admin.agent.get('/admin/calendars')).text);
    expect(list).toContain('Noční služba po 22:00–24:00; út 00:00–06:00; so 08:00–12:00, 13:00–16:00 CZ 2 0');
    expect(list).toContain('Office po–pá 08:00–16:00 CZ — 3');
  });

  it('is refused without the form token, writing nothing', async () => {
    const before = await counts();
    const res = await post('/admin/calendars/new', { name: 'Bez tokenu', ...EMPTY_WEEK, win_mon: '08:00-16:00', holiday_country: 'CZ' }, null);
    expect(res.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('refuses a time 25:00, overlapping windows, a bad date and a taken name at their fields, keeping what was typed', async () => {
    const before = await counts();
    const typed = {
      name: 'Office',
      ...EMPTY_WEEK,
      win_mon: '08:00-16:00',
      win_tue: '08:00-12:00, 13:00-25:00',
      win_wed: '08:00-12:00, 11:00-16:00',
      win_thu: 'ráno',
      holiday_country: '',
      extra_closed_dates: '2026-12-24\n2026-02-30',
      service_day_minutes: '90000',
    };
    const res = await post('/admin/calendars/new', typed);
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'win_tue')).toBe('Čas 25:00 neexistuje: zadejte čas od 00:00 do 24:00.');
    expect(fieldError(res.text, 'win_wed')).toBe('Okno 11:00-16:00 se překrývá s oknem 08:00-12:00.');
    expect(fieldError(res.text, 'win_thu')).toBe('Nerozumím „ráno“: okno napište jako 08:00-12:00, více oken oddělte čárkou.');
    expect(fieldError(res.text, 'extra_closed_dates')).toBe('Řádek 2: „2026-02-30“ není platné datum ve tvaru RRRR-MM-DD.');
    expect(fieldError(res.text, 'name')).toBe('Servisní kalendář s tímto názvem již existuje.');
    expect(fieldError(res.text, 'service_day_minutes')).toBe('Zadejte počet minut (1–1440).');
    expect(fieldError(res.text, 'win_mon')).toBeNull();
    // each message is tied to its field for a screen reader
    expect(res.text).toMatch(/name="win_tue" type="text" value="08:00-12:00, 13:00-25:00" aria-invalid="true" aria-describedby="err-f-win_tue"/);
    expect(res.text).toContain('value="08:00-12:00, 11:00-16:00"');
    expect(res.text).toContain('value="ráno"');
    expect(res.text).toContain('>2026-12-24\n2026-02-30</textarea>');
    expect(res.text).toContain('value="90000"');
    expect(res.text).toMatch(/<option value=""[^>]* selected>/);
    expect(res.text).toContain('role="alert"');
    expect(await counts()).toEqual(before);
  });

  it('refuses a week without any window, and a night window reaching into the next day open all day, on the day it was typed', async () => {
    const before = await counts();
    const empty = await post('/admin/calendars/new', { name: 'Prázdný', ...EMPTY_WEEK, holiday_country: 'CZ' });
    expect(empty.status).toBe(400);
    expect(fieldError(empty.text, 'windows')).toBe('Týden nemá žádné okno služby: zadejte okno alespoň u jednoho dne.');
    const night = await post('/admin/calendars/new', { name: 'Noc', ...EMPTY_WEEK, win_mon: '00:00-24:00', win_sun: '22:00-06:00', holiday_country: 'CZ' });
    expect(night.status).toBe(400);
    expect(fieldError(night.text, 'win_sun')).toBe('Noční okno 22:00-06:00 pokračuje v pondělí 00:00-06:00 a tam se překrývá s oknem 00:00-24:00.');
    expect(fieldError(night.text, 'win_mon')).toBeNull();
    const dst = await post('/admin/calendars/new', { name: 'DST', ...EMPTY_WEEK, win_sun: '02:30-06:00', holiday_country: 'CZ' });
    expect(fieldError(dst.text, 'win_sun')).toBe('Okno 02:30-06:00: čas 02:30 leží mezi 02:00 a 02:59, kterou přechod na letní nebo zimní čas vynechá nebo zopakuje. Zvolte jiný čas.');
    expect(await counts()).toEqual(before);
  });
});

describe("a calendar's page", () => {
  it('previews the next 14 days, lists the Czech public holidays of this and next year and the contracts using it', async () => {
    const office = (await tdb.db('service_calendars').where({ name: 'Office' }).first('id')).id as number;
    const res = await admin.agent.get(`/admin/calendars/${office}`);
    expect(res.status).toBe(200);
    const dates = [...res.text.matchAll(/<tr[^>]* data-date="(\d{4}-\d{2}-\d{2})">/g)].map((m) => m[1]);
    const today = DateTime.now().setZone('Europe/Prague');
    expect(dates).toHaveLength(14);
    expect(dates[0]).toBe(today.toISODate());
    expect(dates[13]).toBe(today.plus({ days: 13 }).toISODate());
    const text = visibleText(res.text);
    expect(text).toContain(`Státní svátky ČR ${today.year} a ${today.year + 1}`);
    expect(text.match(/Štědrý den/g)).toHaveLength(2);
    expect(text).toContain(`24.12.${today.year} `);
    expect(text).toContain(`24.12.${today.year + 1} `);
    expect(text).toContain('Velikonoční pondělí');
    // the three contracts of the seeded world use it for SLA
    expect(text).toContain('A-1 Smlouva Alfa Alfa s.r.o. SLA');
    expect(text).toContain('B-1 Smlouva Beta Beta a.s. SLA');
  });

  it('is 404 for a calendar that does not exist or an id that is not one', async () => {
    expect((await admin.agent.get('/admin/calendars/999999')).status).toBe(404);
    expect((await admin.agent.get('/admin/calendars/abc')).status).toBe(404);
    expect((await post('/admin/calendars/999999', { name: 'X', ...EMPTY_WEEK, win_mon: '08:00-16:00', holiday_country: 'CZ' })).status).toBe(404);
  });

  it('is for administrators only', async () => {
    const agent = await login(web.app, 'agent');
    expect((await agent.agent.get('/admin/calendars')).status).toBe(403);
    const office = (await tdb.db('service_calendars').where({ name: 'Office' }).first('id')).id as number;
    const res = await agent.agent.post(`/admin/calendars/${office}`).type('form').send({ _csrf: agent.csrf, name: 'Office', ...EMPTY_WEEK, win_mon: '00:00-24:00', holiday_country: 'CZ' });
    expect(res.status).toBe(403);
    expect((await tdb.db('service_calendars').where({ id: office }).first('windows')).windows).toEqual(OFFICE);
  });
});

describe('editing the calendar of a contract', () => {
  it("moves the stored due of its open ticket in the same save, keeps the closed ticket's stored verdict, and audits before and after", async () => {
    const [cal] = await tdb.db('service_calendars').insert({ name: '24x7 bez svátků', windows: JSON.stringify(ALWAYS), holiday_country: null }).returning('id');
    const calendar = cal.id as number;
    const [c] = await tdb.db('contracts').insert({ company_id: w.companyA, number: 'K-1', name: 'Smlouva K', calendar_id: calendar }).returning('id');
    await tdb.db('user_contracts').insert({ user_id: w.users.alice.id, contract_id: c.id, sees_all_tickets: true });
    const [p] = await tdb.db('contract_paragraphs')
      .insert({ contract_id: c.id, code: 'I1', name: 'Incident', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16 })
      .returning('id');
    const newTicket = async (createdAt: unknown) => {
      const { number } = await createTicket(tdb.ctx, w.users.alice, { contract_id: c.id, paragraph_id: p.id, contact_phone: '602123456', subject: 'SLA', description: 'x' });
      await tdb.db('tickets').where({ number }).update({ created_at: createdAt });
      await refreshStoredSla(tdb.db, number);
      return number;
    };
    const stored = (n: number) => tdb.db('tickets').where({ number: n }).first('reaction_due_at', 'resolution_due_at', 'reaction_breached', 'resolution_breached', 'sla_computed_at');

    // closed: submitted 6 h ago on 24x7, reaction breached (6 h > 4 h)
    const closed = await newTicket(tdb.db.raw(`date_trunc('second', now()) - interval '6 hours'`));
    await acceptTicket(tdb.ctx, w.users.agent, closed, {});
    await resolveTicket(tdb.ctx, w.users.agent, closed, { resolution: 'Hotovo' });
    await closeTicket(tdb.ctx, w.users.agent, closed, {});
    const closedBefore = await stored(closed);
    expect(closedBefore).toMatchObject({ reaction_due_at: null, resolution_due_at: null, reaction_breached: true, resolution_breached: false });

    // open: submitted Saturday 7 Nov 2026 10:00 Prague (09:00Z); 24x7: reaction Sat 14:00, resolution Sun 02:00
    const open = await newTicket('2026-11-07T09:00:00Z');
    expect(await stored(open)).toMatchObject({ reaction_due_at: new Date('2026-11-07T13:00:00Z'), resolution_due_at: new Date('2026-11-08T01:00:00Z') });

    // the closed ticket's own days become closed dates: computed again, its reaction would be met
    const prague = (d: Date) => DateTime.fromJSDate(d, { zone: 'Europe/Prague' }).toISODate()!;
    const events = (await tdb.db('tickets as t').where('t.number', closed).first(stateChangesJson(tdb.db).wrap('', ' as changes'))).changes as { at: string }[];
    const createdAt = (await tdb.db('tickets').where({ number: closed }).first('created_at')).created_at as Date;
    const closedDates = [...new Set([prague(createdAt), ...events.map((e) => prague(new Date(e.at)))])].sort();

    const page = await admin.agent.get(`/admin/calendars/${calendar}`);
    expect(visibleText(page.text)).toContain('K-1 Smlouva K Alfa s.r.o. SLA 1');
    const res = await post(`/admin/calendars/${calendar}`, {
      _csrf: csrfFrom(page.text),
      name: '24x7 bez svátků',
      win_mon: '08:00-16:00', win_tue: '08:00-16:00', win_wed: '08:00-16:00', win_thu: '08:00-16:00', win_fri: '08:00-16:00', win_sat: '', win_sun: '',
      holiday_country: '',
      extra_closed_dates: closedDates.join('\n'),
      service_day_minutes: '',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/calendars/${calendar}?saved=1&recomputed=1`);

    // office hours Mon–Fri 08–16 from Saturday 10:00: reaction Mon 9 Nov 12:00 (11:00Z); resolution 8 h Mon + 8 h Tue → Tue 10 Nov 16:00 (15:00Z)
    expect(await stored(open)).toMatchObject({
      reaction_due_at: new Date('2026-11-09T11:00:00Z'),
      resolution_due_at: new Date('2026-11-10T15:00:00Z'),
      reaction_breached: true,
      resolution_breached: true,
    });
    expect((await ticketClocks(tdb.db, closed, new Date())).reaction?.breached).toBe(false); // what a recomputation would store
    expect(await stored(closed)).toEqual(closedBefore);
    // nothing is left for the background job, which never touches closed tickets either
    expect(await recomputeOpenTickets(tdb.ctx)).toBe(0);
    expect(await stored(closed)).toEqual(closedBefore);

    const [entry] = await tdb.db('audit_log').where({ object_type: 'calendar', object_id: String(calendar) }).orderBy('id', 'desc').select('actor_id', 'source', 'action', 'before', 'after');
    expect(entry).toEqual({
      actor_id: w.users.admin.id,
      source: 'web',
      action: 'update',
      before: { windows: ALWAYS, extra_closed_dates: [] },
      after: { windows: OFFICE, extra_closed_dates: closedDates },
    });
    const after = visibleText((await admin.agent.get(`/admin/calendars/${calendar}?saved=1&recomputed=1`)).text);
    expect(after).toContain('Změny byly uloženy. Lhůty SLA 1 otevřeného požadavku byly přepočítány.');
    expect(after).toContain('Historie změn');
    expect(after).toContain('Admin Správce (formulář) servisní kalendář');
  });

  it('keeps what was typed when an edit is refused, and changes nothing', async () => {
    const office = (await tdb.db('service_calendars').where({ name: 'Office' }).first('id', 'updated_at'));
    const before = await counts();
    const res = await post(`/admin/calendars/${office.id}`, { name: 'Office', ...EMPTY_WEEK, win_mon: '08:00-16:00', win_fri: '16:00-08:00, 08:00-08:00', holiday_country: 'CZ', extra_closed_dates: 'zítra' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'win_fri')).toBe('Okno 08:00-08:00 má nulovou délku: konec musí být po začátku (noční okno napište např. 22:00-06:00).');
    expect(fieldError(res.text, 'extra_closed_dates')).toBe('Řádek 1: „zítra“ není platné datum ve tvaru RRRR-MM-DD.');
    expect(res.text).toContain('value="16:00-08:00, 08:00-08:00"');
    // the page around the form is still the calendar's
    expect(res.text).toContain('data-date=');
    expect(await counts()).toEqual(before);
    expect((await tdb.db('service_calendars').where({ id: office.id }).first('windows', 'updated_at'))).toEqual({ windows: OFFICE, updated_at: office.updated_at });
  });

  it('renaming only recomputes no ticket', async () => {
    const [cal] = await tdb.db('service_calendars').insert({ name: 'Přejmenovat', windows: JSON.stringify(OFFICE) }).returning('id');
    const res = await post(`/admin/calendars/${cal.id}`, { name: 'Přejmenovaný', ...EMPTY_WEEK, win_mon: '08:00-16:00', win_tue: '08:00-16:00', win_wed: '08:00-16:00', win_thu: '08:00-16:00', win_fri: '08:00-16:00', holiday_country: 'CZ' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/calendars/${cal.id}?saved=1`);
    const [entry] = await tdb.db('audit_log').where({ object_type: 'calendar', object_id: String(cal.id) }).select('action', 'before', 'after');
    expect(entry).toEqual({ action: 'update', before: { name: 'Přejmenovat' }, after: { name: 'Přejmenovaný' } });
  });
});
