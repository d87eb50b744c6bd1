import { describe, expect, it } from 'vitest';
import { stripQuotedHtml, stripQuotedText } from '../../../src/domain/mail/index.js';
import { parsed } from './helpers.js';

describe('stripQuotedText on the corpus replies', () => {
  it.each<[string, string]>([
    ['gmail-cs-reply-with-quote.eml', 'Dobrý den,\n\nchyba se objevuje pořád, posílám ještě číslo objednávky 4455.\n\nDíky\nMartin'],
    ['gmail-en-reply.eml', 'Dobrý den,\n\nchyba přetrvává i po aktualizaci, přikládám snímek obrazovky.\n\nMartin'],
    ['outlook-en-reply.eml', 'Dobrý den,\n\ntiskárna stále netiskne, restart nepomohl.\n\nEva Králová'],
    ['outlook-cs-original-message.eml', 'Dobrý den,\n\nfakturu jsme obdrželi, děkujeme. Prosíme jen o opravu IČO v hlavičce.\n\nEva Králová\nStrojírny Brno a.s.'],
    ['seznam-reply.eml', 'Dobrý den,\nano, po restartu to funguje. Ticket můžete uzavřít.\n\nPetra Svobodová'],
    ['thunderbird-reply.eml', 'Dobrý den,\n\nVPN se připojí, ale po pár minutách spadne. Toto je dlouhý řádek, který Thunderbird zalomil pomocí format=flowed a při čtení se má spojit do jednoho odstavce.\n\nTomáš'],
    ['outlook-cs-html-only.eml', 'Dobrý den,\n\ntiskárna ve 2. patře pořád hlásí „Chyba 0x61011bed“. Seznam dotčených zařízení je na seznam tiskáren [https://portal.strojirny-brno.cz/tiskarny].\n\nS pozdravem\n\nEva Králová'],
    ['forwarded-request.eml', 'Prosím o vyřízení, viz níže.'],
  ])('%s keeps only the new text', async (file, expected) => {
    expect(stripQuotedText((await parsed(file)).text)).toBe(expected);
  });

  it('leaves a message without quotes as it is (trailing whitespace trimmed)', async () => {
    expect(stripQuotedText((await parsed('new-request-plain.eml')).text)).toBe((await parsed('new-request-plain.eml')).text.trimEnd());
  });
});

describe('stripQuotedText markers', () => {
  const reply = 'Díky, už to funguje.';
  it.each<[string, string]>([
    ['Gmail cs', 'po 16. 3. 2026 v 9:12 odesílatel Helpdesk Seyfor <helpdesk.tech@seyfor.com> napsal:'],
    ['Gmail cs, older', 'Dne 16. března 2026 9:12 Helpdesk Seyfor <helpdesk.tech@seyfor.com> napsal(a):'],
    ['Thunderbird cs', 'Dne 16.03.2026 v 9:12 Helpdesk Seyfor napsal(a):'],
    ['Dne … napsal:', 'Dne 16. 3. 2026 9:12:33, Helpdesk Seyfor napsal:'],
    ['Gmail/Thunderbird en', 'On Mon, Mar 16, 2026 at 9:12 AM Helpdesk Seyfor <helpdesk.tech@seyfor.com> wrote:'],
    ['German clients', 'Am 16.03.2026 um 09:12 schrieb Helpdesk Seyfor:'],
    ['Outlook -----Original Message-----', '-----Original Message-----'],
    ['Outlook -----Původní zpráva-----', '-----Původní zpráva-----'],
    ['Seznam', '---------- Původní e-mail ----------'],
    ['Gmail forward en', '---------- Forwarded message ---------'],
    ['Thunderbird/Gmail forward cs', '-------- Přeposlaná zpráva --------'],
  ])('cuts at the %s marker', (_client, marker) => {
    expect(stripQuotedText(`${reply}\n\n${marker}\n> Dobrý den,\n> Váš požadavek byl přijat.\n`)).toBe(reply);
    expect(stripQuotedText(`${reply}\r\n\r\n${marker}\r\nDobrý den,\r\npožadavek byl přijat.\r\n`)).toBe(reply);
  });

  it('cuts at an Outlook cs header block (Od: followed by Odesláno:/Komu:)', () => {
    const text = `${reply}\n\nOd: Helpdesk Seyfor <helpdesk.tech@seyfor.com>\nOdesláno: pondělí 16. března 2026 9:12\nKomu: Eva Králová\nPředmět: [98570] Nefunkční tisk\n\nDobrý den,`;
    expect(stripQuotedText(text)).toBe(reply);
  });

  it('cuts at an Outlook en header block, also with *bold* labels', () => {
    expect(stripQuotedText(`${reply}\n\nFrom: Helpdesk Seyfor <helpdesk.tech@seyfor.com>\nSent: Monday, March 16, 2026 9:12 AM\nTo: Eva\n\nquoted`)).toBe(reply);
    expect(stripQuotedText(`${reply}\n\n*From:* Helpdesk Seyfor <helpdesk.tech@seyfor.com>\n*Date:* Monday, March 16, 2026\n\nquoted`)).toBe(reply);
  });

  it('cuts at a line of underscores followed by Od:/From:', () => {
    expect(stripQuotedText(`${reply}\n\n________________________________\nOd: Helpdesk Seyfor\nOdesláno: pondělí\n\nquoted`)).toBe(reply);
    expect(stripQuotedText(`${reply}\n________________________________________\n\nFrom: Helpdesk Seyfor\nquoted`)).toBe(reply);
  });

  it('joins a Gmail attribution wrapped over two lines when a quote follows', () => {
    const text = `${reply}\n\npo 16. 3. 2026 v 9:12 odesílatel Helpdesk Seyfor <helpdesk.tech@seyfor.com>\nnapsal:\n\n> Dobrý den,\n`;
    expect(stripQuotedText(text)).toBe(reply);
  });

  it('drops trailing >-quoted lines without any attribution', () => {
    expect(stripQuotedText(`${reply}\n\n> Dobrý den,\n>\n> Váš požadavek byl přijat.\n\n`)).toBe(reply);
  });

  it('keeps interleaved answers between quoted lines', () => {
    const text = '> Funguje tisk?\nNe, pořád ne.\n> A restart?\nTaké nepomohl.';
    expect(stripQuotedText(text)).toBe(text);
  });

  it('does not cut ordinary sentences that only look like markers', () => {
    const text = 'Dne 16. 3. jsem volal a technik\nnapsal:\nrestartujte server.\nOd: pondělí nefunguje tisk.\nKomu mám volat?';
    expect(stripQuotedText(text)).toBe(text);
    expect(stripQuotedText('Faktura\n_________________________\nCelkem 1 200 Kč')).toBe('Faktura\n_________________________\nCelkem 1 200 Kč');
  });

  it('returns "" when only the quote was there', () => {
    expect(stripQuotedText('> jen citace\n> další řádek\n')).toBe('');
    expect(stripQuotedText('On Mon, Mar 16, 2026 at 9:12 AM Helpdesk wrote:\n> x')).toBe('');
    expect(stripQuotedText('\n\n-----Původní zpráva-----\nOd: x\n')).toBe('');
    expect(stripQuotedText('')).toBe('');
  });
});

describe('stripQuotedHtml', () => {
  it('cuts Gmail at div.gmail_quote', async () => {
    const html = (await parsed('gmail-cs-reply-with-quote.eml')).html!;
    expect(stripQuotedHtml(html)).toBe('<div dir="ltr"><div>Dobrý den,</div><div><br></div><div>chyba se objevuje pořád, posílám ještě číslo objednávky 4455.</div><div><br></div><div>Díky</div><div>Martin</div></div>');
  });

  it('cuts new Outlook at #appendonsend, taking the <hr> and #divRplyFwdMsg with it', async () => {
    const out = stripQuotedHtml((await parsed('outlook-en-reply.eml')).html!);
    expect(out).toContain('tiskárna stále netiskne, restart nepomohl.');
    expect(out).not.toContain('appendonsend');
    expect(out).not.toContain('<hr');
    expect(out).not.toContain('Váš požadavek');
    expect(out.endsWith('Eva Králová</div></body></html>')).toBe(true);
  });

  it('cuts at #divRplyFwdMsg alone and drops the <hr> right before it', () => {
    expect(stripQuotedHtml('<div>Díky</div>\n<hr style="display:inline-block;width:98%" tabindex="-1">\n<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> x</div><div>citace</div>')).toBe('<div>Díky</div>');
  });

  it('cuts Outlook desktop at the border-top:solid #E1E1E1 separator and keeps images of the new part', async () => {
    const out = stripQuotedHtml((await parsed('outlook-cs-html-only.eml')).html!);
    expect(out).toContain('S pozdravem');
    expect(out).toContain('logo.png');
    expect(out).not.toContain('Odesláno');
    expect(out).not.toContain('Váš požadavek');
    expect(out.endsWith('</div></div></body></html>')).toBe(true);
  });

  it('cuts older Outlook at the border-top:solid #B5C4DF separator and closes the open elements', () => {
    const html = '<div class="WordSection1"><p>Ahoj</p><div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p><b>Od:</b> x</p></div><p>citace</p></div>';
    expect(stripQuotedHtml(html)).toBe('<div class="WordSection1"><p>Ahoj</p></div>');
  });

  it('cuts Thunderbird at .moz-cite-prefix', async () => {
    const out = stripQuotedHtml((await parsed('thunderbird-reply.eml')).html!);
    expect(out).toContain('<p>Tomáš<br>');
    expect(out).not.toContain('napsal');
    expect(out).not.toContain('blockquote');
    expect(out.endsWith('</body></html>')).toBe(true);
  });

  it('cuts Apple Mail at blockquote[type=cite]', () => {
    expect(stripQuotedHtml('<div>Díky</div><div><br><blockquote type="cite"><div>On 16. 3. 2026, at 9:12, Helpdesk wrote:</div><div>x</div></blockquote></div>')).toBe('<div>Díky</div><div></div>');
  });

  it('matches tag and attribute names case-insensitively and class lists token-wise', () => {
    expect(stripQuotedHtml('<P>Ano</P><DIV CLASS="x gmail_quote">citace</DIV>')).toBe('<P>Ano</P>');
    expect(stripQuotedHtml('<p>Ano</p><div class="gmail_quote_container_x">nic</div>')).toBe('<p>Ano</p><div class="gmail_quote_container_x">nic</div>');
  });

  it('ignores markers inside comments and <style>', () => {
    const html = '<style>/* <div class="gmail_quote"> */ div { border-top:solid #E1E1E1 1.0pt }</style><!-- <div id="divRplyFwdMsg"> --><p>Ahoj</p>';
    expect(stripQuotedHtml(html)).toBe(html);
  });

  it('returns the HTML unchanged without a marker', async () => {
    const html = (await parsed('inline-image-cid.eml')).html!;
    expect(stripQuotedHtml(html)).toBe(html);
  });

  it('keeps an image-only reply and returns "" when nothing visible is left', () => {
    expect(stripQuotedHtml('<div><img src="cid:x"></div><div class="gmail_quote">citace</div>')).toBe('<div><img src="cid:x"></div>');
    expect(stripQuotedHtml('<html><body><div>&nbsp;<br></div><div id="divRplyFwdMsg">From: x</div></body></html>')).toBe('');
    expect(stripQuotedHtml('<blockquote type="cite">jen citace</blockquote>')).toBe('');
  });
});
