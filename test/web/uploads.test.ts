import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { CHUNK_BYTES } from '../../src/services/attachments.js';
import { TEXT_MAX } from '../../src/services/create-ticket.js';
import { uploadDir } from '../../src/web/upload.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let alice: Session;
let tmp: string;
let temp: string;

beforeAll(async () => {
  // this file's own temporary folder (uploadDir() is read when the app is built), so "empty" means ours
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hd-uploads-test-'));
  process.env.TMPDIR = tmp;
  temp = uploadDir();
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  alice = await login(web.app, 'alice');
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const valid = (subject = 'Přílohy') => ({
  contract_id: String(w.contractA),
  paragraph_id: String(w.paragraphs.A.incident),
  contact_phone: '602 123 456',
  subject,
  description: 'Popis s přílohou.',
});

function postNewTicket(s: Session, fields: Record<string, string>, files: { name: string; content: Buffer; type?: string }[] = []) {
  const req = s.agent.post('/tickets/new').field('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  for (const f of files) req.attach('files', f.content, { filename: f.name, contentType: f.type ?? 'application/octet-stream' });
  return req;
}

const numberOf = (res: { headers: Record<string, unknown> }) => Number(String(res.headers.location).split('/').pop());

function download(s: Session, url: string, headers: Record<string, string> = {}) {
  const req = s.agent.get(url);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

async function attachmentsOf(number: number) {
  return tdb.db('attachments').where({ ticket_number: number }).orderBy('id').select('id', 'name', 'sha256', 'size', 'content_type');
}

const counts = async () => ({
  tickets: Number((await tdb.db('tickets').count('* as n').first())?.n),
  attachments: Number((await tdb.db('attachments').count('* as n').first())?.n),
  blobs: Number((await tdb.db('attachment_blobs').count('* as n').first())?.n),
  chunks: Number((await tdb.db('attachment_chunks').count('* as n').first())?.n),
  events: Number((await tdb.db('ticket_events').count('* as n').first())?.n),
});

/** The upload folder is emptied once each request has ended (the deletes are asynchronous). */
async function expectTempEmpty() {
  await vi.waitFor(() => expect(readdirSync(temp)).toEqual([]), { timeout: 5000, interval: 25 });
}

describe('attachments are streamed to temporary files and stored in chunks', () => {
  let number: number;
  let big: Buffer;
  let bigId: number;

  it('round-trips files byte-exact through creation and download; a 3 MB file spans several chunks', async () => {
    big = randomBytes(3 * 1024 * 1024 + 12_345);
    const small = Buffer.from('malý soubor – žluťoučký kůň\n');
    const empty = Buffer.alloc(0);
    const res = await postNewTicket(alice, valid('Round trip'), [
      { name: 'velký.bin', content: big },
      { name: 'malý.txt', content: small, type: 'text/plain' },
      { name: 'prázdný.txt', content: empty, type: 'text/plain' },
    ]);
    expect(res.status).toBe(303);
    number = numberOf(res);
    const files = await attachmentsOf(number);
    expect(files.map((f) => [f.name, Number(f.size), f.sha256])).toEqual([
      ['velký.bin', big.length, sha(big)],
      ['malý.txt', small.length, sha(small)],
      ['prázdný.txt', 0, sha(empty)],
    ]);
    bigId = files[0].id;
    const chunks = await tdb.db('attachment_chunks').where({ sha256: sha(big) }).orderBy('seq').select('seq', tdb.db.raw('octet_length(data) as len'));
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2, 3]);
    expect(chunks.map((c) => Number(c.len))).toEqual([CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, big.length - 3 * CHUNK_BYTES]);
    expect(await tdb.db('attachment_chunks').where({ sha256: sha(empty) }).count('* as n').first()).toEqual({ n: 0 });

    for (const [file, content] of [[files[0], big], [files[1], small], [files[2], empty]] as const) {
      const dl = await download(alice, `/tickets/${number}/attachments/${file.id}`);
      expect(dl.status).toBe(200);
      expect(dl.headers['content-length']).toBe(String(content.length));
      expect(sha(dl.body as Buffer)).toBe(sha(content));
      expect(dl.headers['accept-ranges']).toBe('bytes');
    }
    await expectTempEmpty();
  });

  it('deduplicates content by sha256: a second upload of the same bytes adds no blob and no chunk', async () => {
    const before = await counts();
    const res = await postNewTicket(alice, valid('Dedupe'), [{ name: 'znovu.bin', content: big }, { name: 'ještě jednou.bin', content: big }]);
    expect(res.status).toBe(303);
    const files = await attachmentsOf(numberOf(res));
    expect(files.map((f) => f.sha256)).toEqual([sha(big), sha(big)]);
    const after = await counts();
    expect(after.blobs).toBe(before.blobs);
    expect(after.chunks).toBe(before.chunks);
    expect(after.attachments).toBe(before.attachments + 2);
    const dl = await download(alice, `/tickets/${numberOf(res)}/attachments/${files[1].id}`);
    expect(sha(dl.body as Buffer)).toBe(sha(big));
    await expectTempEmpty();
  });

  it('answers a single byte range with 206 and exactly that slice, across chunk boundaries', async () => {
    const url = `/tickets/${number}/attachments/${bigId}`;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      [`bytes=${CHUNK_BYTES - 10}-${2 * CHUNK_BYTES + 10}`, CHUNK_BYTES - 10, 2 * CHUNK_BYTES + 10],
      [`bytes=${big.length - 500}-`, big.length - 500, big.length - 1],
      ['bytes=-1000', big.length - 1000, big.length - 1],
      [`bytes=${CHUNK_BYTES}-${CHUNK_BYTES}`, CHUNK_BYTES, CHUNK_BYTES],
      [`bytes=100-${big.length + 5000}`, 100, big.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await download(alice, url, { Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${big.length}`);
      expect(res.headers['content-length'], range).toBe(String(end - start + 1));
      expect(Buffer.compare(res.body as Buffer, big.subarray(start, end + 1)), range).toBe(0);
      expect(res.headers['content-disposition']).toMatch(/^attachment/);
    }
    // If-Range with the content's ETag keeps the range; with anything else the whole file comes
    const whole = await download(alice, url);
    const etag = String(whole.headers.etag);
    expect(etag).toBe(`"${sha(big)}"`);
    expect((await download(alice, url, { Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);
    const other = await download(alice, url, { Range: 'bytes=0-9', 'If-Range': '"something-else"' });
    expect(other.status).toBe(200);
    expect((other.body as Buffer).length).toBe(big.length);
    // several ranges at once are answered with the whole file; a malformed Range is ignored
    expect((await download(alice, url, { Range: 'bytes=0-9,500-600' })).status).toBe(200);
    expect((await download(alice, url, { Range: 'bytes=abc' })).status).toBe(200);
  });

  it('answers 416 with the size for a range outside the content', async () => {
    const url = `/tickets/${number}/attachments/${bigId}`;
    for (const range of [`bytes=${big.length}-`, `bytes=${big.length + 10}-${big.length + 20}`]) {
      const res = await download(alice, url, { Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${big.length}`);
      expect((res.body as Buffer).length).toBe(0);
    }
  });

  it('serves only passive types as stored; HTML, SVG, XML and scripts as application/octet-stream', async () => {
    const types: [string, string][] = [
      ['text/html', 'application/octet-stream'],
      ['image/svg+xml', 'application/octet-stream'],
      ['application/xml', 'application/octet-stream'],
      ['text/xml', 'application/octet-stream'],
      ['text/javascript', 'application/octet-stream'],
      ['application/xhtml+xml', 'application/octet-stream'],
      ['TEXT/HTML; charset=utf-8', 'application/octet-stream'],
      ['image/png', 'image/png'],
      ['IMAGE/JPEG', 'image/jpeg'],
      ['application/pdf', 'application/pdf'],
      ['text/plain; charset=windows-1250', 'text/plain'],
      ['audio/mpeg', 'audio/mpeg'],
      ['video/mp4', 'video/mp4'],
    ];
    const content = Buffer.from('<script>alert(1)</script><svg onload="alert(2)"/>');
    const res = await postNewTicket(alice, valid('Typy'), types.slice(0, 10).map(([type], i) => ({ name: `soubor-${i}.html`, content, type })));
    expect(res.status).toBe(303);
    const res2 = await postNewTicket(alice, valid('Typy 2'), types.slice(10).map(([type], i) => ({ name: `media-${i}.svg`, content, type })));
    expect(res2.status).toBe(303);
    const files = [
      ...(await attachmentsOf(numberOf(res))).map((f) => ({ ...f, ticket: numberOf(res) })),
      ...(await attachmentsOf(numberOf(res2))).map((f) => ({ ...f, ticket: numberOf(res2) })),
    ];
    expect(files).toHaveLength(types.length);
    for (const [i, f] of files.entries()) {
      const dl = await download(alice, `/tickets/${f.ticket}/attachments/${f.id}`);
      expect(dl.status).toBe(200);
      expect(dl.headers['content-type'], types[i]![0]).toBe(types[i]![1]);
      expect(dl.headers['content-disposition']).toMatch(/^attachment; filename=/);
      expect(dl.headers['x-content-type-options']).toBe('nosniff');
      expect(dl.headers['cache-control']).toBe('private, no-store');
    }
  });
});

describe('hourly upload quota', () => {
  it('refuses a form that would pass the quota with the time to wait, keeps the text and stores nothing', async () => {
    const limited = buildApp({ ...tdb, ctx: { ...tdb.ctx, limits: { ...tdb.ctx.limits, quotaBytesPerHour: 3 * 1024 * 1024 } } });
    try {
      const carol = await login(limited.app, 'carol');
      const key = `upload:user:${w.users.carol.id}`;
      const first = await postNewTicket(carol, valid('V rámci kvóty'), [{ name: 'a.bin', content: randomBytes(2 * 1024 * 1024) }]);
      expect(first.status).toBe(303);
      expect(Number((await tdb.db('rate_counters').where({ key }).first('count')).count)).toBe(2 * 1024 * 1024);

      const before = await counts();
      const fields = { ...valid('Nad kvótu'), description: 'Tenhle popis musí zůstat ve formuláři.' };
      const over = await postNewTicket(carol, fields, [{ name: 'b.bin', content: randomBytes(1024 * 1024 + 1) }]);
      expect(over.status).toBe(400);
      const text = visibleText(over.text);
      expect(text).toMatch(/Za poslední hodinu jste nahráli příliš mnoho příloh \(nejvýše 3 MB za hodinu\)\. Další přílohy můžete přiložit za \d+ min\./);
      expect(over.text).toContain('Tenhle popis musí zůstat ve formuláři.');
      expect(over.text).toContain('value="Nad kvótu"');
      expect(await counts()).toEqual(before);
      // the refused bytes were given back: a form that fits is still accepted
      expect(Number((await tdb.db('rate_counters').where({ key }).first('count')).count)).toBe(2 * 1024 * 1024);

      // the conversation's form counts against the same quota
      const n = numberOf(first);
      const reply = await carol.agent.post(`/tickets/${n}/messages`).field('_csrf', carol.csrf).field('body', 'Odpověď nad kvótu')
        .attach('files', randomBytes(1024 * 1024 + 1), { filename: 'c.bin', contentType: 'application/octet-stream' });
      expect(reply.status).toBe(400);
      expect(visibleText(reply.text)).toContain('Za poslední hodinu jste nahráli příliš mnoho příloh');
      expect(reply.text).toContain('Odpověď nad kvótu');
      expect(await tdb.db('ticket_messages').where({ ticket_number: n }).count('* as n').first()).toEqual({ n: 0 });
      const fits = await postNewTicket(carol, valid('Ještě se vejde'), [{ name: 'd.bin', content: randomBytes(1024 * 1024) }]);
      expect(fits.status).toBe(303);
      await expectTempEmpty();
    } finally {
      await limited.close();
    }
  });
});

describe('broken multipart bodies are a 400, never a 500', () => {
  const B = 'hdTestBoundary7MA4YWxkTrZu0gW';
  const fieldPart = (name: string, value: string, boundary = B) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const formParts = (boundary = B) =>
    Object.entries({ _csrf: alice.csrf, ...valid('Rozbitý formulář') }).map(([k, v]) => fieldPart(k, v, boundary)).join('');
  /** The whole valid form with the subject's part replaced by `raw` (a part a browser never sends). */
  const formWithSubjectPart = (raw: string) => formParts().replace(fieldPart('subject', 'Rozbitý formulář'), raw);
  const filePart = (content: string, boundary = B) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="log.txt"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n`;

  const variants: [string, string, () => string | Buffer][] = [
    ['missing boundary', 'multipart/form-data', () => `${formParts()}--${B}--\r\n`],
    ['empty boundary', 'multipart/form-data; boundary=', () => `${formParts()}--${B}--\r\n`],
    ['wrong boundary', `multipart/form-data; boundary=${B}`, () => `${formParts('Other')}--Other--\r\n`],
    ['truncated in a file', `multipart/form-data; boundary=${B}`, () => `${formParts()}${filePart('x'.repeat(10_000))}`.slice(0, -5000)],
    ['no closing delimiter', `multipart/form-data; boundary=${B}`, () => `${formParts()}${filePart('obsah')}`],
    ['malformed part header', `multipart/form-data; boundary=${B}`, () => `${fieldPart('_csrf', alice.csrf)}--${B}\r\nContent-Disposition form-data name subject\r\n\r\nx\r\n${formParts().slice(fieldPart('_csrf', alice.csrf).length)}--${B}--\r\n`],
    ['huge part header', `multipart/form-data; boundary=${B}`, () => `${fieldPart('_csrf', alice.csrf)}--${B}\r\nContent-Disposition: form-data; name="subject"\r\nX-Padding: ${'a'.repeat(100_000)}\r\n\r\nx\r\n--${B}--\r\n`],
    ['header without a line end', `multipart/form-data; boundary=${B}`, () => `${fieldPart('_csrf', alice.csrf)}--${B}\r\nContent-Disposition: form-data; name="x"${'b'.repeat(200_000)}`],
    ['Content-Disposition without a name', `multipart/form-data; boundary=${B}`, () => `${formParts()}--${B}\r\nContent-Disposition: form-data\r\n\r\nbez jména\r\n--${B}--\r\n`],
    ['Content-Disposition not form-data', `multipart/form-data; boundary=${B}`, () => `${formWithSubjectPart(`--${B}\r\nContent-Disposition: attachment; name="subject"\r\n\r\nxyz\r\n`)}--${B}--\r\n`],
    ['garbage Content-Disposition', `multipart/form-data; boundary=${B}`, () => `${formWithSubjectPart(`--${B}\r\nContent-Disposition: form-data; name="subject"; ;;;==="\r\n\r\nxyz\r\n`)}--${B}--\r\n`],
    ['no Content-Disposition', `multipart/form-data; boundary=${B}`, () => `${formWithSubjectPart(`--${B}\r\nContent-Type: text/plain\r\n\r\nxyz\r\n`)}--${B}--\r\n`],
    ['bad charset parameter', `multipart/form-data; boundary=${B}; charset=no-such-charset`, () => `${formParts()}--${B}--\r\n`],
    ['bad charset in a part', `multipart/form-data; boundary=${B}`, () => `${formParts()}--${B}\r\nContent-Disposition: form-data; name="subject"\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nčeština\r\n--${B}--\r\n`],
    ['too many fields', `multipart/form-data; boundary=${B}`, () => `${formParts()}${Array.from({ length: 40 }, (_, i) => fieldPart(`f${i}`, 'x')).join('')}--${B}--\r\n`],
    ['bracketed field name', `multipart/form-data; boundary=${B}`, () => `${formParts()}${fieldPart('a[99999999]', 'x')}--${B}--\r\n`],
    ['body of garbage', `multipart/form-data; boundary=${B}`, () => randomBytes(50_000)],
    ['empty body', `multipart/form-data; boundary=${B}`, () => ''],
  ];

  for (const [name, contentType, body] of variants) {
    it(`${name}: 4xx, nothing written`, async () => {
      const before = await counts();
      const res = await alice.agent.post('/tickets/new').set('Content-Type', contentType).send(Buffer.from(body()));
      expect(res.status, `${name}: ${visibleText(res.text).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      expect(await counts()).toEqual(before);
      await expectTempEmpty();
    });
  }

  it('refuses a body whose token cannot be read (no boundary) as any request without a token (403)', async () => {
    const res = await alice.agent.post('/tickets/new').set('Content-Type', 'multipart/form-data').send(Buffer.from(`${formParts()}--${B}--\r\n`));
    expect(res.status).toBe(403);
  });

  it('says clearly that the form did not arrive whole once its token was read (400)', async () => {
    for (const [contentType, body] of [
      [`multipart/form-data; boundary=${B}`, `${formParts()}${filePart('obsah')}`],
      [`multipart/form-data; boundary=${B}`, `${fieldPart('_csrf', alice.csrf)}--${B}\r\nContent-Disposition form-data\r\n\r\nx\r\n--${B}--\r\n`],
    ]) {
      const res = await alice.agent.post('/tickets/new').set('Content-Type', contentType!).send(Buffer.from(body!));
      expect(res.status).toBe(400);
      expect(visibleText(res.text)).toContain(cs.errors.badMultipart);
    }
  });

  it('survives a client that goes away in the middle of a file and leaves no temporary file', async () => {
    const server = http.createServer(web.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cookie = (await alice.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })).toValueString();
      const before = await counts();
      await new Promise<void>((resolve) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/tickets/new', headers: { 'Content-Type': `multipart/form-data; boundary=${B}`, 'Content-Length': '10000000', Cookie: cookie } });
        req.on('error', () => resolve());
        req.write(formParts() + `--${B}\r\nContent-Disposition: form-data; name="files"; filename="půlka.bin"\r\n\r\n`);
        req.write(randomBytes(2 * 1024 * 1024));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 300);
      });
      await expectTempEmpty();
      expect(await counts()).toEqual(before);
      // and the server still works
      expect((await alice.agent.get('/tickets')).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('text fields over the limit', () => {
  it('says the text is too long (not an attachment error) and keeps the other values, also those after the field', async () => {
    const before = await counts();
    const req = alice.agent.post('/tickets/new').field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractA)).field('paragraph_id', String(w.paragraphs.A.incident))
      .field('description', 'ž'.repeat(150_000))
      .field('contact_phone', '602 123 456').field('subject', 'Předmět za dlouhým popisem')
      .attach('files', Buffer.from('příloha'), { filename: 'a.txt', contentType: 'text/plain' });
    const res = await req;
    expect(res.status).toBe(400);
    const text = visibleText(res.text);
    expect(text).toContain(cs.errors.fieldTooLong(TEXT_MAX));
    expect(text).not.toContain('Přílohu se nepodařilo přijmout');
    expect(text).not.toContain('Příloha je příliš velká');
    expect(res.text).toContain('value="Předmět za dlouhým popisem"');
    expect(res.text).toContain('value="602 123 456"');
    expect(await counts()).toEqual(before);
    await expectTempEmpty();
  });

  it('a text over the use case’s limit but within the field limit gets the field’s own message', async () => {
    const res = await postNewTicket(alice, { ...valid('Dlouhý popis'), description: 'a'.repeat(TEXT_MAX + 1) });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="err-description">Text je příliš dlouhý/);
    expect(res.text).toContain('value="Dlouhý popis"');
  });
});

describe('migration 20261127000002_attachment_chunks', () => {
  it('moves the content into 1 MiB chunks and back', async () => {
    const own = await freshDatabase();
    try {
      const migration = await import('../../migrations/20261127000002_attachment_chunks.js');
      const big = randomBytes(2 * CHUNK_BYTES + 77);
      const small = Buffer.from('malý');
      await own.db.transaction(async (trx) => {
        await migration.down(trx);
        await trx('attachment_blobs').insert([
          { sha256: sha(big), size: big.length, data: big },
          { sha256: sha(small), size: small.length, data: small },
          { sha256: sha(Buffer.alloc(0)), size: 0, data: Buffer.alloc(0) },
        ]);
        await migration.up(trx);
      });
      const chunks = await own.db('attachment_chunks').orderBy(['sha256', 'seq']).select('sha256', 'seq', 'data');
      const of = (b: Buffer) => chunks.filter((c) => c.sha256 === sha(b));
      expect(of(big).map((c) => [c.seq, c.data.length])).toEqual([[0, CHUNK_BYTES], [1, CHUNK_BYTES], [2, 77]]);
      expect(Buffer.concat(of(big).map((c) => c.data as Buffer)).equals(big)).toBe(true);
      expect(of(small).map((c) => (c.data as Buffer).toString())).toEqual(['malý']);
      expect(of(Buffer.alloc(0))).toEqual([]);
      expect(await own.db.schema.hasColumn('attachment_blobs', 'data')).toBe(false);

      await migration.down(own.db);
      const blobs = await own.db('attachment_blobs').select('sha256', 'data');
      expect(blobs.find((b) => b.sha256 === sha(big))?.data.equals(big)).toBe(true);
      expect(blobs.find((b) => b.sha256 === sha(Buffer.alloc(0)))?.data.length).toBe(0);
      expect(await own.db.schema.hasTable('attachment_chunks')).toBe(false);
    } finally {
      await own.drop();
    }
  });
});
