import { DateTime } from 'luxon';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeHash } from '../../src/domain/hotline-code.js';
import { createTransport, sendDueMail } from '../../src/mail/outbox.js';
import { ConflictError, ForbiddenError } from '../../src/services/errors.js';
import { hotlineCodeKey } from '../../src/services/hotline/code-key.js';
import { retryRecording } from '../../src/services/hotline/save-recording.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { buildApp } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';
import { callParams, providerSignature, type RecordingServer, sha256, startRecordingServer } from './support.js';

const TOKEN = 'hotline-test-auth-token-0123456789';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const PUBLIC = 'https://helpdesk.example.cz';
const ALICE_CODE = '0123456789';
const BOB_CODE = '5555012345';

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let rec: RecordingServer;
let sink: SmtpSink;

beforeAll(async () => {
  rec = await startRecordingServer(ACCOUNT, TOKEN);
  const env = { HOTLINE_AUTH_TOKEN: TOKEN, HOTLINE_ACCOUNT_SID: ACCOUNT, HOTLINE_RECORDING_HOSTS: rec.host, PUBLIC_URL: PUBLIC };
  tdb = await freshDatabase(env);
  w = await seedWorld(tdb.db);
  web = buildApp(tdb, env);
  const db = tdb.db;
  // contract A: hotline around the clock; contract B: hotline on working days, but closed these days
  const always = ['00:00', '24:00'];
  const week = (win: string[][]) => JSON.stringify({ mon: win, tue: win, wed: win, thu: win, fri: win, sat: win, sun: win });
  const [open] = await db('service_calendars').insert({ name: 'HotLine 24/7', windows: week([always]), holiday_country: null }).returning('id');
  const today = DateTime.now().setZone('Europe/Prague');
  const closedDays = [-1, 0, 1].map((d) => today.plus({ days: d }).toISODate());
  const office = JSON.stringify({ mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] });
  const [closed] = await db('service_calendars').insert({ name: 'HotLine zavřeno', windows: office, extra_closed_dates: JSON.stringify(closedDays) }).returning('id');
  await db('contracts').where({ id: w.contractA }).update({ hotline: true, hotline_calendar_id: open.id });
  await db('contracts').where({ id: w.contractB }).update({ hotline: true, hotline_calendar_id: closed.id });
  await db('contract_paragraphs').where({ id: w.paragraphs.A.question }).update({ is_hotline_default: true });
  const key = await hotlineCodeKey(tdb.ctx);
  await db('hotline_codes').insert([
    { user_id: w.users.alice.id, contract_id: w.contractA, code_hash: codeHash(key, ALICE_CODE) },
    { user_id: w.users.bob.id, contract_id: w.contractB, code_hash: codeHash(key, BOB_CODE) },
  ]);
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
  await rec?.close();
  await web?.close();
  await tdb?.drop();
});

/** A webhook as the provider sends it: form-encoded, signed by its own library over PUBLIC_URL + path. */
function hook(path: string, params: Record<string, string>, signature: string | null = providerSignature(TOKEN, PUBLIC + path, params)) {
  const req = request(web.app).post(path).type('form').send(params);
  return signature === null ? req : req.set('X-Twilio-Signature', signature);
}

let calls = 0;
/** A fresh call: its CallSid and the four steps, each returning the TwiML. */
function call(from = '+420602123456') {
  const sid = `CA${String(++calls).padStart(6, '0')}${Date.now().toString(16)}`;
  const base = callParams(sid, from);
  const twiml = async (path: string, extra: Record<string, string> = {}) => {
    const res = await hook(path, { ...base, ...extra });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    return res.text;
  };
  return {
    sid,
    incoming: () => twiml('/hotline/voice'),
    code: (digits: string) => twiml('/hotline/voice/code', digits === '' ? {} : { Digits: digits }),
    recorded: (recordingSid: string, seconds = '12') =>
      twiml('/hotline/voice/recorded', { RecordingUrl: rec.urlOf(recordingSid), RecordingSid: recordingSid, RecordingDuration: seconds }),
    menu: (digits: string) => twiml('/hotline/voice/menu', { Digits: digits }),
    row: () => tdb.db('hotline_calls').where({ call_sid: sid }).first(),
  };
}

/** What the caller hears: every <Say>'s text, unescaped. */
const says = (xml: string) => [...xml.matchAll(/<Say language="cs-CZ">([^<]*)<\/Say>/g)].map((m) => m[1]!.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
const hangsUp = (xml: string) => /<Hangup\/><\/Response>$/.test(xml);
const gather = (xml: string) => /<Gather input="dtmf" numDigits="(\d+)" timeout="\d+" action="([^"]+)" method="POST">/.exec(xml);
const recordVerb = (xml: string) => /<Record maxLength="60" finishOnKey="#" playBeep="true" action="([^"]+)" method="POST"\/>/.exec(xml);
const ticketsNow = async () => Number((await tdb.db('tickets').count({ n: '*' }))[0]!.n);

describe('the incoming call and the code', () => {
  it('greets and asks for the 10-digit code in Czech, the call kept by its CallSid', async () => {
    const c = call();
    const xml = await c.incoming();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>')).toBe(true);
    expect(gather(xml)?.slice(1)).toEqual(['10', '/hotline/voice/code']);
    expect(says(xml).join(' ')).toContain('desetimístný autorizační kód');
    expect(xml).not.toMatch(/<Say(?! language="cs-CZ")/);
    expect(await c.row()).toMatchObject({ step: 'code', caller: '+420602123456', called: '+420533442988', wrong_codes: 0, outcome: null });
  });

  it('three wrong codes: "neplatný kód" and the gather twice, then a goodbye and Hangup; attempts audited without the digits', async () => {
    const c = call('+420777000001');
    await c.incoming();
    for (const typed of ['9999999999', '123']) {
      const xml = await c.code(typed);
      expect(says(xml)[0]).toBe('Neplatný kód.');
      expect(gather(xml)?.[1]).toBe('10');
      expect(hangsUp(xml)).toBe(false);
    }
    const last = await c.code('1111111111');
    expect(gather(last)).toBeNull();
    expect(hangsUp(last)).toBe(true);
    expect(says(last)[0]).toContain('Na shledanou');
    expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'wrong_code', wrong_codes: 3, user_id: null });
    const attempts = await tdb.db('hotline_attempts').where({ call_sid: c.sid }).orderBy('id');
    expect(attempts.map((a) => [a.caller, a.outcome])).toEqual([['+420777000001', 'wrong'], ['+420777000001', 'wrong'], ['+420777000001', 'wrong']]);
    expect(JSON.stringify(attempts)).not.toMatch(/9999999999|1111111111/);
    // a fourth code on the ended call is out of order: goodbye, nothing counted
    const after = await c.code(ALICE_CODE);
    expect(hangsUp(after)).toBe(true);
    expect(await tdb.db('hotline_attempts').where({ call_sid: c.sid }).count({ n: '*' })).toEqual([{ n: 3 }]);
  });

  it('silence counts as a try: three without digits end the call as no_code', async () => {
    const c = call('+420777000002');
    await c.incoming();
    expect(says(await c.code(''))[0]).toBe('Nezadali jste žádný kód.');
    await c.code('');
    expect(hangsUp(await c.code(''))).toBe(true);
    expect(await c.row()).toMatchObject({ outcome: 'no_code', wrong_codes: 3 });
  });

  it('locks a caller number out after more than 10 wrong codes within an hour: the next call hears a goodbye at once', async () => {
    const from = '+420777000003';
    for (let i = 0; i < 3; i++) {
      const c = call(from);
      await c.incoming();
      for (let k = 0; k < 3; k++) await c.code('0000000000');
    }
    const fourth = call(from);
    await fourth.incoming();
    await fourth.code('0000000000'); // 10 wrong: not yet locked
    const fifth = call(from);
    expect(gather(await fifth.incoming())?.[1]).toBe('10');
    // the 11th locks the number and ends this call at once
    const locked = await fifth.code('0000000000');
    expect(gather(locked)).toBeNull();
    expect(hangsUp(locked)).toBe(true);
    expect(says(locked)[0]).toContain('nelze použít');
    expect(await fifth.row()).toMatchObject({ outcome: 'locked_out', wrong_codes: 1, user_id: null });

    const next = call(from);
    const xml = await next.incoming();
    expect(gather(xml)).toBeNull();
    expect(hangsUp(xml)).toBe(true);
    expect(says(xml)[0]).toContain('nelze použít');
    expect(await next.row()).toMatchObject({ step: 'ended', outcome: 'locked_out' });
    // a code typed anyway (the provider's retry) is not even looked at
    expect(hangsUp(await next.code(ALICE_CODE))).toBe(true);
    expect(await next.row()).toMatchObject({ outcome: 'locked_out', user_id: null });
    expect((await tdb.db('hotline_attempts').where({ call_sid: next.sid }).first())?.outcome).toBe('locked_out');
    // another number is not affected
    expect(gather(await call('+420777000004').incoming())?.[1]).toBe('10');
  });

  it('outside the contract hotline calendar: says the hours and hangs up, nothing recorded', async () => {
    const c = call('+420777000005');
    await c.incoming();
    const xml = await c.code(BOB_CODE);
    expect(says(xml)).toEqual(['HotLine je v provozu v pracovní dny od 8:00 do 16:00. Zavolejte nám prosím v této době. Na shledanou.']);
    expect(recordVerb(xml)).toBeNull();
    expect(hangsUp(xml)).toBe(true);
    expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'outside_hours', user_id: w.users.bob.id, contract_id: w.contractB });
    expect((await tdb.db('hotline_attempts').where({ call_sid: c.sid }).first())?.outcome).toBe('accepted');
  });
});

describe('recording, the menu and the ticket', () => {
  it('right code → instructions and Record; menu 1 plays, 2 re-records, other keys repeat the menu; 3 creates the ticket with the WAV and the confirmation e-mail', async () => {
    const c = call('602 123 456');
    await c.incoming();
    const rec1 = await c.code(ALICE_CODE);
    expect(says(rec1)[0]).toMatch(/název firmy, své jméno, kontaktní telefon a krátký popis.*křížkem/);
    expect(recordVerb(rec1)?.[1]).toBe('/hotline/voice/recorded');
    expect(await c.row()).toMatchObject({ step: 'recording', user_id: w.users.alice.id, contract_id: w.contractA });

    const menu = await c.recorded('RE0000000000000000000000000000first', '7');
    expect(gather(menu)?.slice(1)).toEqual(['1', '/hotline/voice/menu']);
    expect(says(menu)[0]).toMatch(/přehrání.*1.*nové nahrání.*2.*uložení.*3.*ukončení.*4/);
    expect(await c.row()).toMatchObject({ step: 'menu', recording_sid: 'RE0000000000000000000000000000first', recording_seconds: 7 });

    const played = await c.menu('1');
    expect(played).toContain(`<Play>${rec.urlOf('RE0000000000000000000000000000first')}</Play>`);
    expect(gather(played)?.[1]).toBe('1');

    const again = await c.menu('2');
    expect(recordVerb(again)).not.toBeNull();
    expect(await c.row()).toMatchObject({ step: 'recording', recording_url: null, recording_sid: null });
    await c.recorded('RE000000000000000000000000000second', '12');
    expect(gather(await c.menu('9'))?.[1]).toBe('1');

    const before = await ticketsNow();
    const saved = await c.menu('3');
    expect(hangsUp(saved)).toBe(true);
    const row = await c.row();
    expect(row).toMatchObject({ step: 'ended', outcome: 'ticket' });
    const number = Number(row.ticket_number);
    expect(says(saved)[0]).toContain(`číslem ${String(number).split('').join(' ')}.`);
    expect(await ticketsNow()).toBe(before + 1);

    const ticket = await tdb.db('tickets').where({ number }).first();
    expect(ticket).toMatchObject({
      channel: 'hotline',
      contract_id: w.contractA,
      paragraph_id: w.paragraphs.A.question,
      reporter_id: w.users.alice.id,
      contact_phone: '+420602123456',
      state: 'new',
    });
    const when = DateTime.fromJSDate(row.started_at, { zone: 'Europe/Prague' }).toFormat('d. M. yyyy H:mm');
    expect(ticket.subject).toBe(`HotLine – ${w.users.alice.name} – ${when}`);
    expect(ticket.description).toContain('nahrán telefonicky');
    expect(ticket.description).toContain('12 s');
    expect(ticket.description).toContain('v příloze');

    const [attachment] = await tdb.db('attachments').where({ ticket_number: number });
    expect(attachment).toMatchObject({ name: `hotline-${c.sid}.wav`, content_type: 'audio/wav' });
    expect(Number(attachment.size)).toBe(rec.wav.length);
    expect(attachment.sha256).toBe(sha256(rec.wav));
    // only the kept recording was fetched, with the account's basic auth
    const fetched = rec.requests.filter((r) => r.path.includes('RE000000000000000000000000000'));
    expect(fetched).toEqual([{ path: '/2010-04-01/Accounts/' + ACCOUNT + '/Recordings/RE000000000000000000000000000second.wav', authorised: true }]);

    // the confirmation e-mail with the number goes to the reporter
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false });
    try {
      await sendDueMail(tdb.db, transport, tdb.ctx.mail, 50, tdb.ctx.hotline.codeKey);
      const mail = await sink.waitFor((m) => m.envelope.to.includes(w.users.alice.email) && (m.parsed.subject ?? '').includes(String(number)));
      expect(mail.parsed.text).toContain(String(number));
    } finally {
      transport.close();
    }

    // the provider replays the 3: the same number, nothing new
    const replay = await c.menu('3');
    expect(says(replay)[0]).toContain(String(number).split('').join(' '));
    expect(await ticketsNow()).toBe(before + 1);
  });

  it('two concurrent saves of one call create one ticket and both answer its number', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    await c.recorded('RE00000000000000000000000concurrent');
    const before = await ticketsNow();
    const [a, b] = await Promise.all([c.menu('3'), c.menu('3')]);
    const number = Number((await c.row()).ticket_number);
    expect(number).toBeGreaterThan(0);
    for (const xml of [a, b]) expect(says(xml)[0]).toContain(String(number).split('').join(' '));
    expect(await ticketsNow()).toBe(before + 1);
    expect(await tdb.db('attachments').where({ name: `hotline-${c.sid}.wav` }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('menu 4 ends the call without a ticket', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    await c.recorded('RE0000000000000000000000000000hangup');
    const before = await ticketsNow();
    const xml = await c.menu('4');
    expect(hangsUp(xml)).toBe(true);
    expect(says(xml)).toEqual(['Děkujeme za zavolání, na shledanou.']);
    expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'hung_up', ticket_number: null });
    expect(await ticketsNow()).toBe(before);
    expect(rec.requests.some((r) => r.path.includes('hangup'))).toBe(false);
  });

  it('a caller who hangs up while recording creates nothing: the call ends as hung_up with the recording kept', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    const before = await ticketsNow();
    const url = rec.urlOf('RE000000000000000000000000hungupwhile');
    const res = await hook('/hotline/voice/recorded', { ...callParams(c.sid), RecordingUrl: url, RecordingSid: 'RE000000000000000000000000hungupwhile', RecordingDuration: '4', Digits: 'hangup' });
    expect(hangsUp(res.text)).toBe(true);
    expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'hung_up', recording_url: url, recording_seconds: 4 });
    expect(await ticketsNow()).toBe(before);
  });

  it('a recording URL on a host not listed is never fetched: apology, download_failed, the URL kept', async () => {
    const other = await startRecordingServer(ACCOUNT, TOKEN);
    try {
      const c = call();
      await c.incoming();
      await c.code(ALICE_CODE);
      const url = other.urlOf('RE00000000000000000000000000elsewhere');
      await hook('/hotline/voice/recorded', { ...callParams(c.sid), RecordingUrl: url, RecordingSid: 'RE00000000000000000000000000elsewhere', RecordingDuration: '5' });
      const before = await ticketsNow();
      const xml = await c.menu('3');
      expect(says(xml)[0]).toContain('Omlouváme se');
      expect(hangsUp(xml)).toBe(true);
      expect(other.requests).toEqual([]);
      expect(await ticketsNow()).toBe(before);
      expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'download_failed', recording_url: url, ticket_number: null });
      expect((await c.row()).failure).toContain('HOTLINE_RECORDING_HOSTS');
    } finally {
      await other.close();
    }
  });

  it('a download that is not WAV audio fails the save and keeps nothing half-written', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    await c.recorded('RE000000000000000000000000000notaudio');
    rec.serve.set(`/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE000000000000000000000000000notaudio.wav`, { status: 200, body: Buffer.from('<html>login</html>'), type: 'text/html' });
    const before = await ticketsNow();
    expect(says(await c.menu('3'))[0]).toContain('Omlouváme se');
    expect(await ticketsNow()).toBe(before);
    expect(await c.row()).toMatchObject({ outcome: 'download_failed', failure: 'stažený soubor není zvuk WAV' });
  });
});

describe('the staff retry of a failed download', () => {
  it('creates the ticket once the recording can be fetched, and refuses customers and calls that did not fail', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    await c.recorded('RE0000000000000000000000000000retry');
    const path = `/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE0000000000000000000000000000retry.wav`;
    rec.serve.set(path, { status: 503, body: Buffer.from('busy') });
    expect(says(await c.menu('3'))[0]).toContain('Omlouváme se');
    const failed = await c.row();
    expect(failed).toMatchObject({ outcome: 'download_failed', failure: 'server s nahrávkou odpověděl stavem 503' });

    await expect(retryRecording(tdb.ctx, w.users.alice, failed.id)).rejects.toBeInstanceOf(ForbiddenError);
    // still failing: the call stays failed with the new reason
    expect(await retryRecording(tdb.ctx, w.users.agent, failed.id)).toEqual({ ok: false, failure: 'server s nahrávkou odpověděl stavem 503' });
    rec.serve.delete(path);
    const before = await ticketsNow();
    const result = await retryRecording(tdb.ctx, w.users.agent, failed.id);
    expect(result.ok).toBe(true);
    const row = await c.row();
    expect(row).toMatchObject({ step: 'ended', outcome: 'ticket', failure: null });
    expect(result).toEqual({ ok: true, ticketNumber: Number(row.ticket_number) });
    expect(await ticketsNow()).toBe(before + 1);
    const ticket = await tdb.db('tickets').where({ number: row.ticket_number }).first();
    expect(ticket).toMatchObject({ channel: 'hotline', reporter_id: w.users.alice.id });
    expect((await tdb.db('attachments').where({ ticket_number: row.ticket_number }).first()).sha256).toBe(sha256(rec.wav));
    // a call that did not fail (now a ticket) is not retried
    await expect(retryRecording(tdb.ctx, w.users.agent, failed.id)).rejects.toBeInstanceOf(ConflictError);
    expect(await ticketsNow()).toBe(before + 1);
  });
});

describe('a save cut off between its claim and its end', () => {
  it('is busy for a while, then a replayed 3 ends it as download_failed and staff retry it', async () => {
    const c = call();
    await c.incoming();
    await c.code(ALICE_CODE);
    await c.recorded('RE000000000000000000000000interrupted');
    // the claim of a process that then stopped
    await tdb.db('hotline_calls').where({ call_sid: c.sid }).update({ step: 'saving' });
    const { id } = await c.row();
    await expect(retryRecording(tdb.ctx, w.users.agent, id)).rejects.toBeInstanceOf(ConflictError);
    await tdb.db('hotline_calls').where({ call_sid: c.sid }).update({ updated_at: tdb.db.raw("now() - interval '10 minutes'") });
    expect(says(await c.menu('3'))[0]).toContain('Omlouváme se');
    expect(await c.row()).toMatchObject({ step: 'ended', outcome: 'download_failed', failure: 'ukládání bylo přerušeno (server se zastavil)' });
    const result = await retryRecording(tdb.ctx, w.users.agent, id);
    expect(result).toEqual({ ok: true, ticketNumber: Number((await c.row()).ticket_number) });
  });
});

describe('the webhooks refuse what the provider did not send', () => {
  it('403 and nothing changed without a signature, with a wrong one, or with a parameter changed after signing', async () => {
    const params = callParams('CAunsigned000000000000000000000000');
    expect((await hook('/hotline/voice', params, null)).status).toBe(403);
    expect((await hook('/hotline/voice', params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    const signedOther = providerSignature(TOKEN, `${PUBLIC}/hotline/voice`, { ...params, From: '+420111111111' });
    expect((await hook('/hotline/voice', params, signedOther)).status).toBe(403);
    const signedOtherPath = providerSignature(TOKEN, `${PUBLIC}/hotline/voice/code`, params);
    expect((await hook('/hotline/voice', params, signedOtherPath)).status).toBe(403);
    const otherToken = providerSignature('another-token', `${PUBLIC}/hotline/voice`, params);
    expect((await hook('/hotline/voice', params, otherToken)).status).toBe(403);
    // an unsigned body is not even read: a large one is refused the same way
    expect((await hook('/hotline/voice', { ...params, Junk: 'x'.repeat(100_000) }, null)).status).toBe(403);
    // a signed body over the webhooks' small limit is refused without a 500
    expect((await hook('/hotline/voice', { ...params, Junk: 'x'.repeat(100_000) })).status).toBe(400);
    expect(await tdb.db('hotline_calls').where({ call_sid: params.CallSid }).first()).toBeUndefined();

    // a signed call, then an unsigned menu key: the call stays where it was
    const c = call();
    await c.incoming();
    const res = await hook('/hotline/voice/code', { ...callParams(c.sid), Digits: ALICE_CODE }, null);
    expect(res.status).toBe(403);
    expect(await c.row()).toMatchObject({ step: 'code', wrong_codes: 0, user_id: null });
  });

  it('a step for an unknown CallSid or out of order gets a polite goodbye and changes nothing', async () => {
    const unknown = await hook('/hotline/voice/menu', { ...callParams('CAnobody0000000000000000000000000'), Digits: '3' });
    expect(unknown.status).toBe(200);
    expect(hangsUp(unknown.text)).toBe(true);
    expect(await tdb.db('hotline_calls').where({ call_sid: 'CAnobody0000000000000000000000000' }).first()).toBeUndefined();
    const c = call();
    await c.incoming();
    expect(hangsUp(await c.menu('3'))).toBe(true);
    expect(hangsUp(await c.recorded('RE00000000000000000000000000early'))).toBe(true);
    expect(await c.row()).toMatchObject({ step: 'code', recording_url: null, outcome: null });
  });

  it('signed but odd parameters (control characters, a very long value) get a normal answer, stored cleaned', async () => {
    const params = { ...callParams('CAodd\u0000000000000000000000000000'), From: '+420\u0000602\u001b123456', To: 'x'.repeat(5000) };
    const res = await hook('/hotline/voice', params);
    expect(res.status).toBe(200);
    expect(gather(res.text)?.[1]).toBe('10');
    const row = await tdb.db('hotline_calls').where({ call_sid: params.CallSid.replace('\u0000', '') }).first();
    expect(row).toMatchObject({ caller: '+420602123456', step: 'code' });
    expect(row.called).toHaveLength(2000);
  });

  it('the webhooks do not exist without HOTLINE_AUTH_TOKEN', async () => {
    const off = buildApp(tdb, { PUBLIC_URL: PUBLIC });
    afterAll(() => off.close());
    for (const path of ['/hotline/voice', '/hotline/voice/code', '/hotline/voice/recorded', '/hotline/voice/menu']) {
      const params = callParams('CAoff00000000000000000000000000000');
      const res = await request(off.app).post(path).type('form').send(params).set('X-Twilio-Signature', providerSignature(TOKEN, PUBLIC + path, params));
      expect(res.status).toBe(404);
    }
  });
});
