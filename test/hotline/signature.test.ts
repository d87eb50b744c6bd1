import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { validSignature, webhookSignature } from '../../src/hotline/signature.js';
import { escapeXml, gather, hangup, play, say, twiml } from '../../src/hotline/twiml.js';

const TOKEN = '12345678901234567890123456789012';

/** Webhooks of many shapes: query strings, Czech text, symbols, empty values, repeated names. */
const cases: { url: string; params: Record<string, string | string[]> }[] = [
  { url: 'https://helpdesk.example.cz/hotline/voice', params: { CallSid: 'CA1', From: '+420602123456', To: '+420533442988' } },
  { url: 'https://helpdesk.example.cz/hotline/voice/code?attempt=2&x=a%20b', params: { CallSid: 'CA2', Digits: '0123456789' } },
  { url: 'http://127.0.0.1:3000/hotline/voice/recorded', params: { RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1', RecordingDuration: '', Caller: 'Žluťoučký kůň & <spol.>' } },
  { url: 'https://helpdesk.example.cz/hotline/voice/menu', params: {} },
  { url: 'https://helpdesk.example.cz/hotline/voice/menu', params: { b: ['2', '1', '2'], a: 'z', B: 'upper' } },
];

describe('the webhook signature', () => {
  it('is the provider library’s own signature for every shape of request', () => {
    for (const c of cases) {
      expect(webhookSignature(TOKEN, c.url, c.params)).toBe(twilio.getExpectedTwilioSignature(TOKEN, c.url, c.params));
    }
  });

  it('validates what the library signs, and the library validates what it computes', () => {
    for (const c of cases) {
      const signature = twilio.getExpectedTwilioSignature(TOKEN, c.url, c.params);
      expect(validSignature(TOKEN, signature, c.url, c.params)).toBe(true);
      expect(twilio.validateRequest(TOKEN, webhookSignature(TOKEN, c.url, c.params), c.url, c.params)).toBe(true);
    }
  });

  it('accepts the URL signed with or without the default port', () => {
    const params = { CallSid: 'CA9' };
    const withPort = twilio.getExpectedTwilioSignature(TOKEN, 'https://helpdesk.example.cz:443/hotline/voice', params);
    expect(validSignature(TOKEN, withPort, 'https://helpdesk.example.cz/hotline/voice', params)).toBe(true);
    const without = twilio.getExpectedTwilioSignature(TOKEN, 'https://helpdesk.example.cz/hotline/voice', params);
    expect(validSignature(TOKEN, without, 'https://helpdesk.example.cz:443/hotline/voice', params)).toBe(true);
    // another port is another URL
    const other = twilio.getExpectedTwilioSignature(TOKEN, 'https://helpdesk.example.cz:8443/hotline/voice', params);
    expect(validSignature(TOKEN, other, 'https://helpdesk.example.cz/hotline/voice', params)).toBe(false);
  });

  it('refuses a missing signature, another token, another URL, and any parameter added, removed or changed', () => {
    const { url, params } = cases[0]!;
    const good = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    expect(validSignature(TOKEN, undefined, url, params)).toBe(false);
    expect(validSignature(TOKEN, '', url, params)).toBe(false);
    expect(validSignature('another-token', good, url, params)).toBe(false);
    expect(validSignature(TOKEN, good, `${url}/code`, params)).toBe(false);
    expect(validSignature(TOKEN, good, url, { ...params, Digits: '1' })).toBe(false);
    expect(validSignature(TOKEN, good, url, { CallSid: 'CA1', From: '+420602123456' })).toBe(false);
    expect(validSignature(TOKEN, good, url, { ...params, From: '+420602123457' })).toBe(false);
  });
});

describe('the TwiML builder', () => {
  it('escapes text and attributes, every prompt in the Czech voice', () => {
    expect(escapeXml(`a < b & "c" 'd' > e`)).toBe('a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e');
    const xml = twiml(gather({ numDigits: 1, timeout: 5, action: 'https://x.cz/hotline/voice/menu?a=1&b="2"' }, say('1 & 2 <3>')), play('https://r.example/RE1?x=1&y=2'), hangup());
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="dtmf" numDigits="1" timeout="5" action="https://x.cz/hotline/voice/menu?a=1&amp;b=&quot;2&quot;" method="POST">' +
        '<Say language="cs-CZ">1 &amp; 2 &lt;3&gt;</Say></Gather>' +
        '<Play>https://r.example/RE1?x=1&amp;y=2</Play><Hangup/></Response>',
    );
  });
});
