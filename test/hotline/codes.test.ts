import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeHash } from '../../src/domain/hotline-code.js';
import { createTransport, sendDueMail } from '../../src/mail/outbox.js';
import { hotlineCodeKey } from '../../src/services/hotline/code-key.js';
import { codeTyped, incomingCall } from '../../src/services/hotline/calls.js';
import { drawCode, ISSUES_PER_HOUR, issueCode } from '../../src/services/hotline/codes.js';
import { MAX_SEND_ATTEMPTS } from '../../src/mail/outbox.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/services/errors.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let sink: SmtpSink;
let transport: ReturnType<typeof createTransport>;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // contract A has the hotline; A-2 and B do not
  await tdb.db('contracts').where({ id: w.contractA }).update({ hotline: true });
  sink = await startSmtpSink();
  transport = createTransport({ host: sink.host, port: sink.port, secure: false });
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await tdb.drop();
});

/** Every text, varchar and json(b) value of every table in the public schema, as text. */
async function everyTextValue(): Promise<string[]> {
  const columns = (await tdb.db('information_schema.columns')
    .where({ table_schema: 'public' })
    .whereIn('data_type', ['text', 'character varying', 'jsonb', 'json', 'ARRAY'])
    .select('table_name', 'column_name')) as { table_name: string; column_name: string }[];
  const values: string[] = [];
  for (const c of columns) {
    const rows = await tdb.db.raw('select ??::text as v from ?? where ?? is not null', [c.column_name, c.table_name, c.column_name]);
    for (const r of rows.rows as { v: string }[]) values.push(r.v);
  }
  return values;
}

describe('issuing a HotLine code', () => {
  it('draws ten random digits, leading zeros kept, different every time', () => {
    const codes = Array.from({ length: 2000 }, drawCode);
    expect(codes.every((c) => /^\d{10}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(2000);
    // not sequential: consecutive draws are far apart
    const steps = codes.slice(1).map((c, i) => Math.abs(Number(c) - Number(codes[i])));
    expect(steps.filter((s) => s === 1).length).toBe(0);
    // every digit position takes every value
    for (let pos = 0; pos < 10; pos += 1) expect(new Set(codes.map((c) => c[pos])).size).toBe(10);
  });

  it('stores only the keyed hash, audits the issue without it, and e-mails the code, which no column of the database holds readable', async () => {
    sink.clear();
    const { code } = await issueCode(tdb.ctx, w.users.agent, w.users.alice.id, w.contractA);
    expect(code).toMatch(/^\d{10}$/);
    const key = await hotlineCodeKey(tdb.ctx);
    const row = await tdb.db('hotline_codes').where({ user_id: w.users.alice.id, contract_id: w.contractA }).first();
    expect(row.code_hash).toBe(codeHash(key, code));
    expect(row.source).toBe('staff');
    expect(row.issued_by).toBe(w.users.agent.id);
    const audit = await tdb.db('audit_log').where({ object_type: 'hotline_code' }).orderBy('id', 'desc').first();
    expect(audit.actor_id).toBe(w.users.agent.id);
    expect(audit.action).toBe('create');
    expect(audit.after).toEqual({ user_id: w.users.alice.id, contract_id: w.contractA, source: 'staff', issued_by: w.users.agent.id, id: row.id });

    // queued: the body marks the code's place; the code is only sealed
    const mail = await tdb.db('outbound_mail').where({ purpose: 'hotline_code' }).orderBy('id', 'desc').first();
    expect(mail.to_address).toBe(w.users.alice.email);
    expect(mail.text_body).toContain('••••••••••');
    expect(mail.sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await everyTextValue()).filter((v) => v.includes(code))).toEqual([]);

    // sent: the mail carries the code, the outbox row no longer even the sealed value
    expect(await sendDueMail(tdb.db, transport, tdb.ctx.mail)).toEqual({ sent: 1, failed: 0 });
    const received = sink.messages.find((m) => m.envelope.to.includes(w.users.alice.email));
    expect(received?.parsed.subject).toBe('Váš autorizační kód HotLine – smlouva A-1');
    expect(received?.parsed.text).toContain(code);
    expect(received?.parsed.text).not.toContain('••••••••••');
    const sent = await tdb.db('outbound_mail').where({ id: mail.id }).first();
    expect(sent.status).toBe('sent');
    expect(sent.sealed).toBeNull();
    expect((await everyTextValue()).filter((v) => v.includes(code))).toEqual([]);
  });

  it('re-issuing replaces the hash in the same row, so the old code no longer matches', async () => {
    const first = await issueCode(tdb.ctx, w.users.admin, w.users.carol.id, w.contractA);
    const before = await tdb.db('hotline_codes').where({ user_id: w.users.carol.id, contract_id: w.contractA }).first();
    const second = await issueCode(tdb.ctx, w.users.admin, w.users.carol.id, w.contractA);
    expect(second.code).not.toBe(first.code);
    const rows = await tdb.db('hotline_codes').where({ user_id: w.users.carol.id, contract_id: w.contractA });
    expect(rows).toHaveLength(1);
    const key = await hotlineCodeKey(tdb.ctx);
    expect(rows[0].code_hash).toBe(codeHash(key, second.code));
    expect(await tdb.db('hotline_codes').where({ code_hash: codeHash(key, first.code) }).first()).toBeUndefined();
    expect(new Date(rows[0].issued_at).getTime()).toBeGreaterThanOrEqual(new Date(before.issued_at).getTime());
    const audits = await tdb.db('audit_log').where({ object_type: 'hotline_code', object_id: String(before.id) }).orderBy('id');
    expect(audits.map((a) => a.action)).toEqual(['create', 'update']);
    expect(JSON.stringify(audits)).not.toContain(rows[0].code_hash);
  });

  it('draws again when the code is already held by someone (the hash is unique)', async () => {
    const held = await issueCode(tdb.ctx, w.users.agent, w.users.alice.id, w.contractA);
    const draws = [held.code, held.code, '0000000042'];
    const issued = await issueCode(tdb.ctx, w.users.agent, w.users.carol.id, w.contractA, () => draws.shift()!);
    expect(issued.code).toBe('0000000042');
    expect(draws).toEqual([]);
  });

  it('the issued code is the one the phone channel accepts; the code it replaced is refused', async () => {
    const old = await issueCode(tdb.ctx, w.users.agent, w.users.alice.id, w.contractA);
    const current = await issueCode(tdb.ctx, w.users.agent, w.users.alice.id, w.contractA);
    const typed = async (sid: string, code: string) => {
      await incomingCall(tdb.ctx, { callSid: sid, from: '+420602000001', to: '+420533442988' });
      await codeTyped(tdb.ctx, sid, code);
      return tdb.db('hotline_calls').where({ call_sid: sid }).first();
    };
    expect((await typed('CAcodes0000000000000000000000001', current.code)).user_id).toBe(w.users.alice.id);
    const refused = await typed('CAcodes0000000000000000000000002', old.code);
    expect([refused.user_id, refused.wrong_codes]).toEqual([null, 1]);
  });

  it('a code mail the outbox gives up on loses its sealed code too', async () => {
    await issueCode(tdb.ctx, w.users.agent, w.users.carol.id, w.contractA);
    const mail = await tdb.db('outbound_mail').where({ purpose: 'hotline_code', status: 'pending' }).orderBy('id', 'desc').first();
    expect(mail.sealed).not.toBeNull();
    await tdb.db('outbound_mail').where({ status: 'pending' }).whereNot({ id: mail.id }).update({ status: 'sent' });
    await tdb.db('outbound_mail').where({ id: mail.id }).update({ attempts: MAX_SEND_ATTEMPTS - 1 });
    const down = createTransport({ host: '127.0.0.1', port: 9, secure: false });
    try {
      expect(await sendDueMail(tdb.db, down, tdb.ctx.mail)).toEqual({ sent: 0, failed: 1 });
    } finally {
      down.close();
    }
    const failed = await tdb.db('outbound_mail').where({ id: mail.id }).first();
    expect([failed.status, failed.sealed]).toEqual(['failed', null]);
  });

  it('refuses, in Czech and with nothing written, a contract without the hotline, a non-member, a staff user, an inactive user; customers may not issue', async () => {
    const count = async () => [Number((await tdb.db('hotline_codes').count('* as n').first())!.n), Number((await tdb.db('outbound_mail').count('* as n').first())!.n)];
    const before = await count();
    const refusal = async (p: Promise<unknown>) => {
      const e = await p.then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).fields;
    };
    expect(await refusal(issueCode(tdb.ctx, w.users.agent, w.users.alice.id, w.contractA2))).toEqual({ contract_id: 'Smlouva nemá službu HotLine.' });
    expect(await refusal(issueCode(tdb.ctx, w.users.agent, w.users.bob.id, w.contractA))).toEqual({ contract_id: 'Uživatel nemá přístup k této smlouvě.' });
    expect(await refusal(issueCode(tdb.ctx, w.users.agent, w.users.solver.id, w.contractA))).toEqual({ user_id: 'Kód HotLine lze vydat jen zákazníkovi.' });
    const [inactive] = await tdb.db('users').insert({ login: 'dana', name: 'Dana Neaktivní', email: 'dana@a.test', role: 'customer', active: false, password_hash: 'x', login_key: 'dana' }).returning('id');
    await tdb.db('user_contracts').insert({ user_id: inactive.id, contract_id: w.contractA, sees_all_tickets: false });
    expect(await refusal(issueCode(tdb.ctx, w.users.agent, inactive.id, w.contractA))).toEqual({ user_id: 'Uživatel je deaktivovaný; kód mu nelze vydat.' });
    await expect(issueCode(tdb.ctx, w.users.alice, w.users.alice.id, w.contractA)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(issueCode(tdb.ctx, w.users.agent, 999_999, w.contractA)).rejects.toBeInstanceOf(NotFoundError);
    await expect(issueCode(tdb.ctx, w.users.agent, w.users.alice.id, 999_999)).rejects.toBeInstanceOf(NotFoundError);
    expect(await count()).toEqual(before);
  });

  it('refuses, in Czech and with nothing written, a code past ten an hour for one user (each issue e-mails them); others still get theirs', async () => {
    const [eve] = await tdb.db('users').insert({ login: 'eva', name: 'Eva Častá', email: 'eva@a.test', role: 'customer', active: true, password_hash: 'x', login_key: 'eva' }).returning('id');
    await tdb.db('user_contracts').insert({ user_id: eve.id, contract_id: w.contractA, sees_all_tickets: false });
    const mails = async () => Number((await tdb.db('outbound_mail').where({ to_address: 'eva@a.test' }).count('* as n').first())!.n);
    for (let i = 0; i < ISSUES_PER_HOUR; i += 1) await issueCode(tdb.ctx, w.users.agent, eve.id, w.contractA);
    const hash = (await tdb.db('hotline_codes').where({ user_id: eve.id }).first('code_hash'))!.code_hash;
    expect(await mails()).toBe(10);
    const e = await issueCode(tdb.ctx, w.users.admin, eve.id, w.contractA).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).fields).toEqual({ user_id: 'Uživateli bylo za poslední hodinu vydáno už 10 kódů (každý mu přišel e-mailem); další lze vydat později.' });
    expect([await mails(), (await tdb.db('hotline_codes').where({ user_id: eve.id }).first('code_hash'))!.code_hash]).toEqual([10, hash]);
    await expect(issueCode(tdb.ctx, w.users.agent, w.users.carol.id, w.contractA)).resolves.toMatchObject({ userName: w.users.carol.name });
  });
});
