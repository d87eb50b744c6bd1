import { describe, expect, it } from 'vitest';
import {
  autoReplyReason,
  autoReplySubjectHint,
  bounceInfo,
  dmarcVerdict,
  isOwnMessage,
  parseAuthenticationResults,
  trustedAuthResults,
} from '../../../src/domain/mail/index.js';
import { OWN, TRUSTED, clone, fixtureNames, parsed } from './helpers.js';

interface Verdicts {
  own: boolean;
  /** null = not a bounce; otherwise the original Message-ID found (or null) */
  bounce: { originalMessageId: string | null } | null;
  auto: string | null;
  dmarc: 'pass' | 'fail' | 'none';
}

const PLAIN: Verdicts = { own: false, bounce: null, auto: null, dmarc: 'none' };
const PASS: Verdicts = { ...PLAIN, dmarc: 'pass' };

/** §4.2 signals of every corpus message (trusted authserv-id mx.seyfor.com, DMARC pass not required) */
const CLASSIFICATION: Record<string, Verdicts> = {
  'new-request-plain.eml': PASS,
  'gmail-cs-reply-with-quote.eml': PASS,
  'gmail-en-reply.eml': PASS,
  'outlook-cs-html-only.eml': PASS,
  'outlook-en-reply.eml': PASS,
  'outlook-cs-original-message.eml': PLAIN,
  'seznam-reply.eml': PASS,
  'thunderbird-reply.eml': PLAIN,
  'windows-1250-body.eml': PLAIN,
  'cp1250-charset-label.eml': PLAIN,
  'iso-8859-2-subject-rfc2047.eml': PLAIN,
  'multi-charset-encoded-words.eml': PLAIN,
  'encoded-word-ticket-tag.eml': PLAIN,
  'raw-8bit-utf8-subject.eml': PLAIN,
  'unknown-charset-8bit.eml': PLAIN,
  'rfc2231-filename.eml': PLAIN,
  'rfc2047-filename.eml': PLAIN,
  'nameless-attachment.eml': PLAIN,
  'unsafe-filenames.eml': PLAIN,
  'inline-image-cid.eml': PLAIN,
  'winmail-dat-tnef.eml': PLAIN,
  'winmail-dat-invalid.eml': PLAIN,
  'zero-byte-attachment.eml': PLAIN,
  'rfc822-attached.eml': PLAIN,
  'rfc822-inline-forward.eml': PLAIN,
  'forwarded-request.eml': PLAIN,
  'malformed-missing-boundary.eml': PLAIN,
  'no-message-id.eml': PLAIN,
  'multiple-from-addresses.eml': PLAIN,
  'x-auto-response-suppress-only.eml': PLAIN,
  'out-of-office-auto-submitted.eml': { ...PLAIN, auto: 'Auto-Submitted: auto-replied' },
  'x-autoreply.eml': { ...PLAIN, auto: 'X-Autoreply' },
  'precedence-bulk.eml': { ...PLAIN, auto: 'Precedence: bulk' },
  'list-id-newsletter.eml': { ...PLAIN, auto: 'List-Id' },
  'read-receipt-mdn.eml': { ...PLAIN, auto: 'read receipt (disposition-notification)' },
  // bounces also carry Auto-Submitted; the ingestion checks bounce (#3) before auto-reply (#4)
  'dsn-bounce.eml': { ...PLAIN, bounce: { originalMessageId: 'ticket-98571.1773648760.ef56@helpdesk.seyfor.com' }, auto: 'Auto-Submitted: auto-replied' },
  'dsn-bounce-headers-only.eml': { ...PLAIN, bounce: { originalMessageId: 'ticket-98572.1773649200.aa77@helpdesk.seyfor.com' }, auto: 'Auto-Submitted: auto-replied' },
  'mailer-daemon-bounce.eml': { ...PLAIN, bounce: { originalMessageId: 'ticket-98573.1773649790.bb88@helpdesk.seyfor.com' } },
  // our own mail is caught first (#2); it also looks automatic
  'own-notification-looped.eml': { ...PLAIN, own: true, auto: 'Auto-Submitted: auto-generated' },
  'dmarc-fail.eml': { ...PLAIN, dmarc: 'fail' },
  'dmarc-pass.eml': PASS,
};

describe('classification of every corpus message', () => {
  it('covers the whole corpus', () => {
    expect(Object.keys(CLASSIFICATION).sort()).toEqual(fixtureNames());
  });

  for (const [file, v] of Object.entries(CLASSIFICATION)) {
    it(`${file}: own=${v.own} bounce=${v.bounce !== null} auto=${v.auto ?? 'no'} dmarc=${v.dmarc}`, async () => {
      const m = await parsed(file);
      expect(isOwnMessage(m, OWN)).toBe(v.own);
      expect(bounceInfo(m)).toEqual(v.bounce);
      expect(autoReplyReason(m)).toBe(v.auto);
      expect(dmarcVerdict(m, TRUSTED, false)).toBe(v.dmarc);
    });
  }
});

describe('isOwnMessage', () => {
  it('recognises each of the three signals on its own', async () => {
    const base = await parsed('new-request-plain.eml');
    expect(isOwnMessage(base, OWN)).toBe(false);
    const fromUs = clone(base, (c) => {
      c.from = { address: 'helpdesk.tech@seyfor.com', raw: 'Helpdesk <Helpdesk.Tech@Seyfor.com>', count: 1 };
    });
    expect(isOwnMessage(fromUs, OWN)).toBe(true);
    expect(isOwnMessage(clone(base, (c) => (c.messageId = 'ticket-1.2.x@Helpdesk.Seyfor.com')), OWN)).toBe(true);
    expect(isOwnMessage(clone(base, (c) => (c.headers.xHelpdeskTicket = '98570')), OWN)).toBe(true);
  });

  it('accepts a list of own sender addresses and ignores an empty Message-ID domain', async () => {
    const m = clone(await parsed('new-request-plain.eml'), (c) => {
      c.from = { address: 'noreply@seyfor.com', raw: 'noreply@seyfor.com', count: 1 };
    });
    expect(isOwnMessage(m, { helpdeskAddress: ['helpdesk.tech@seyfor.com', 'NoReply@seyfor.com'], messageIdDomain: '' })).toBe(true);
    expect(isOwnMessage(m, { helpdeskAddress: 'helpdesk.tech@seyfor.com', messageIdDomain: '' })).toBe(false);
  });

  it('does not take a subdomain or a look-alike domain for ours', async () => {
    const base = await parsed('new-request-plain.eml');
    expect(isOwnMessage(clone(base, (c) => (c.messageId = 'x@mail.helpdesk.seyfor.com')), OWN)).toBe(false);
    expect(isOwnMessage(clone(base, (c) => (c.messageId = 'x@helpdesk.seyfor.com.evil.example')), OWN)).toBe(false);
  });

  it('finds the helpdesk address among several From addresses', async () => {
    const m = clone(await parsed('multiple-from-addresses.eml'), (c) => {
      c.from.raw = '"Jan" <jan.novak@firma.cz>, "Helpdesk" <helpdesk.tech@seyfor.com>';
    });
    expect(isOwnMessage(m, OWN)).toBe(true);
  });
});

describe('bounceInfo', () => {
  it('detects a multipart/report delivery-status report on its own', async () => {
    const m = clone(await parsed('dsn-bounce.eml'), (c) => {
      c.from = { address: 'postmaster-notify@mx.seyfor.com', raw: 'postmaster-notify@mx.seyfor.com', count: 1 };
      c.headers.returnPath = '<bounces@mx.seyfor.com>';
    });
    expect(bounceInfo(m)).toEqual({ originalMessageId: 'ticket-98571.1773648760.ef56@helpdesk.seyfor.com' });
  });

  it('detects a postmaster sender by the local part', async () => {
    const m = clone(await parsed('mailer-daemon-bounce.eml'), (c) => {
      c.from = { address: 'postmaster@mail.stary-server.cz', raw: 'Postmaster@mail.stary-server.cz', count: 1 };
    });
    expect(bounceInfo(m)).toEqual({ originalMessageId: 'ticket-98573.1773649790.bb88@helpdesk.seyfor.com' });
  });

  it('detects Return-Path <> alone but does not dig the text of such mail for Message-IDs', async () => {
    const m = clone(await parsed('mailer-daemon-bounce.eml'), (c) => {
      c.from = { address: 'robot@mail.stary-server.cz', raw: 'robot@mail.stary-server.cz', count: 1 };
      c.headers.returnPath = '<>';
    });
    expect(bounceInfo(m)).toEqual({ originalMessageId: null });
  });

  it('reads the original Message-ID from a returned message when the DSN part is missing', async () => {
    const m = clone(await parsed('dsn-bounce.eml'), (c) => {
      c.dsn = null;
    });
    expect(bounceInfo(m)?.originalMessageId).toBe('ticket-98571.1773648760.ef56@helpdesk.seyfor.com');
  });

  it('is null for an ordinary message', async () => {
    expect(bounceInfo(await parsed('new-request-plain.eml'))).toBeNull();
  });
});

describe('autoReplyReason', () => {
  it.each([
    ['auto-replied', 'Auto-Submitted: auto-replied'],
    ['auto-generated', 'Auto-Submitted: auto-generated'],
    ['Auto-Replied (vacation)', 'Auto-Submitted: auto-replied'],
    ['auto-notified; owner-email="x@y.cz"', 'Auto-Submitted: auto-notified'],
    ['no', null],
    [' No ', null],
  ])('Auto-Submitted: %s → %s', async (value, reason) => {
    const m = clone(await parsed('new-request-plain.eml'), (c) => (c.headers.autoSubmitted = value));
    expect(autoReplyReason(m)).toBe(reason);
  });

  it.each([
    ['bulk', 'Precedence: bulk'],
    ['junk', 'Precedence: junk'],
    ['list', 'Precedence: list'],
    ['auto_reply', 'Precedence: auto_reply'],
    ['Bulk', 'Precedence: bulk'],
    ['first-class', null],
    ['normal', null],
  ])('Precedence: %s → %s', async (value, reason) => {
    const m = clone(await parsed('new-request-plain.eml'), (c) => (c.headers.precedence = value));
    expect(autoReplyReason(m)).toBe(reason);
  });

  it('treats List-Unsubscribe alone as bulk mail', async () => {
    const m = clone(await parsed('new-request-plain.eml'), (c) => (c.headers.listUnsubscribe = '<mailto:odhlasit@firma.cz>'));
    expect(autoReplyReason(m)).toBe('List-Unsubscribe');
  });

  it('ignores X-Auto-Response-Suppress and out-of-office words in the subject', async () => {
    expect(autoReplyReason(await parsed('x-auto-response-suppress-only.eml'))).toBeNull();
    const m = clone(await parsed('out-of-office-auto-submitted.eml'), (c) => (c.headers.autoSubmitted = null));
    expect(autoReplyReason(m)).toBeNull();
  });

  it('reports out-of-office subject words as a hint only', async () => {
    expect(autoReplySubjectHint(await parsed('out-of-office-auto-submitted.eml'))).toBe('Automatická odpověď');
    expect(autoReplySubjectHint(await parsed('x-autoreply.eml'))).toBe('Nepřítomnost');
    expect(autoReplySubjectHint(await parsed('new-request-plain.eml'))).toBeNull();
  });
});

describe('dmarcVerdict', () => {
  it('counts only the first trusted header: a forged dmarc=pass below ours is ignored', async () => {
    expect(dmarcVerdict(await parsed('dmarc-fail.eml'), 'mx.seyfor.com', false)).toBe('fail');
  });

  it('ignores Authentication-Results of other authserv-ids', async () => {
    const m = await parsed('dmarc-pass.eml');
    expect(dmarcVerdict(m, 'MX.Seyfor.com', false)).toBe('pass');
    expect(dmarcVerdict(m, 'relay.preposilac.example', false)).toBe('fail');
    expect(dmarcVerdict(m, 'mx.google.com', false)).toBe('none');
  });

  it('is none with an empty trusted id, whatever the headers say', async () => {
    expect(dmarcVerdict(await parsed('dmarc-fail.eml'), '', false)).toBe('none');
    expect(dmarcVerdict(await parsed('dmarc-fail.eml'), '  ', true)).toBe('none');
  });

  it('accepts mail without a trusted header unless DMARC pass is required', async () => {
    const m = await parsed('thunderbird-reply.eml');
    expect(dmarcVerdict(m, TRUSTED, false)).toBe('none');
    expect(dmarcVerdict(m, TRUSTED, true)).toBe('fail');
    expect(dmarcVerdict(await parsed('new-request-plain.eml'), TRUSTED, true)).toBe('pass');
  });

  it('treats dmarc=none as none, or as fail when pass is required', async () => {
    const m = clone(await parsed('new-request-plain.eml'), (c) => (c.authResults = ['mx.seyfor.com; spf=pass smtp.mailfrom=firma.cz; dmarc=none header.from=firma.cz']));
    expect(dmarcVerdict(m, TRUSTED, false)).toBe('none');
    expect(dmarcVerdict(m, TRUSTED, true)).toBe('fail');
  });

  it('optionally rejects spf=fail without any dkim=pass when dmarc=none', async () => {
    const failing = clone(await parsed('new-request-plain.eml'), (c) => (c.authResults = ['mx.seyfor.com; spf=fail smtp.mailfrom=firma.cz; dkim=fail header.d=firma.cz; dmarc=none']));
    expect(dmarcVerdict(failing, TRUSTED, false)).toBe('none');
    expect(dmarcVerdict(failing, TRUSTED, false, { spfFailWithoutDkimPass: true })).toBe('fail');
    const signed = clone(failing, (c) => (c.authResults = ['mx.seyfor.com; spf=fail smtp.mailfrom=firma.cz; dkim=fail header.d=a.cz; dkim=pass header.d=firma.cz; dmarc=none']));
    expect(dmarcVerdict(signed, TRUSTED, false, { spfFailWithoutDkimPass: true })).toBe('none');
  });

  it('reads the verdicts of a trusted MTA that stamps one header per filter', async () => {
    expect(trustedAuthResults(await parsed('dmarc-pass.eml'), TRUSTED)).toEqual({ spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    expect(trustedAuthResults(await parsed('dmarc-fail.eml'), TRUSTED)).toEqual({ spf: 'softfail', dkim: 'none', dmarc: 'fail' });
    expect(trustedAuthResults(await parsed('thunderbird-reply.eml'), TRUSTED)).toBeNull();
  });
});

describe('parseAuthenticationResults', () => {
  it('parses methods, results and properties, skipping comments', () => {
    expect(parseAuthenticationResults('MX.Seyfor.com 1; spf=pass (sender IP is 192.0.2.10; ok) smtp.mailfrom=firma.cz; dkim=pass header.d=firma.cz; dmarc=fail (p=REJECT) header.from=firma.cz')).toEqual({
      authservId: 'mx.seyfor.com',
      results: [
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'firma.cz' } },
        { method: 'dkim', result: 'pass', props: { 'header.d': 'firma.cz' } },
        { method: 'dmarc', result: 'fail', props: { 'header.from': 'firma.cz' } },
      ],
    });
  });

  it('copes with Microsoft style (no space after ;, action=) and "none"; rejects a value without authserv-id', () => {
    expect(parseAuthenticationResults('spf=pass (sender IP is 40.107.21.101) smtp.mailfrom=firma.cz;dmarc=pass action=none header.from=firma.cz')).toBeNull();
    const ours = parseAuthenticationResults('mx.seyfor.com;dkim=none;dmarc=bestguesspass action=none header.from=firma.cz');
    expect(ours?.results.map((r) => [r.method, r.result])).toEqual([['dkim', 'none'], ['dmarc', 'bestguesspass']]);
    expect(ours?.results[1]?.props).toEqual({ action: 'none', 'header.from': 'firma.cz' });
    expect(parseAuthenticationResults('mx.seyfor.com; none')).toEqual({ authservId: 'mx.seyfor.com', results: [] });
    expect(parseAuthenticationResults('   ')).toBeNull();
  });

  it('does not split at a semicolon inside a quoted reason', () => {
    const ar = parseAuthenticationResults('mx.seyfor.com; dmarc=fail reason="policy; quarantine" header.from=firma.cz; spf=pass');
    expect(ar?.results).toEqual([
      { method: 'dmarc', result: 'fail', props: { reason: 'policy; quarantine', 'header.from': 'firma.cz' } },
      { method: 'spf', result: 'pass', props: {} },
    ]);
  });
});
