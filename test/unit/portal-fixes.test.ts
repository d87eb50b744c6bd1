import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { cs } from '../../src/i18n/cs.js';
import { LOGGED_OUTCOMES } from '../../src/services/mail/audit.js';
import { describeMailReason } from '../../src/web/mail-reason.js';
import { formatClockMinutes, formatConsumed, formatRemaining } from '../../src/web/sla-format.js';

describe('SLA amounts in the method’s unit (issue 12)', () => {
  const den = { method: 'Den', unitMinutes: 480 };
  it('shows a Den clock in service days of W minutes, never as calendar days', () => {
    // 3 d (Den) with nothing consumed: 1440 service minutes are 3 days of 8 h, not "1 d 0 min"
    expect(formatRemaining({ ...den, clock: 'running', remainingMinutes: 1440 })).toBe('3 d');
    expect(formatRemaining({ ...den, clock: 'running', remainingMinutes: 1200 })).toBe('2,5 d');
    expect(formatConsumed({ ...den, consumedMinutes: 240 })).toBe('0,5 d');
    expect(formatRemaining({ ...den, clock: 'running', remainingMinutes: -120 })).toBe('překročeno o 0,25 d');
  });

  it('shows the hour and minute methods in hours of service time and the continuous ones in calendar time', () => {
    expect(formatClockMinutes({ method: 'Hod', unitMinutes: 60 }, 1440)).toBe('24 h');
    expect(formatClockMinutes({ method: 'NBD-Hod', unitMinutes: 60 }, 1205)).toBe('20 h 5 min');
    expect(formatClockMinutes({ method: 'Min', unitMinutes: 1 }, 45)).toBe('45 min');
    expect(formatClockMinutes({ method: 'Min', unitMinutes: 1 }, 0)).toBe('0 min');
    expect(formatClockMinutes({ method: 'Min-Cont', unitMinutes: 1 }, 1500)).toBe('1 d 1 h 0 min');
    expect(formatClockMinutes({ method: 'Den-Cont', unitMinutes: 1440 }, 2880)).toBe('2 d 0 min');
    expect(formatClockMinutes(den, null)).toBe(cs.sla.pending);
  });

  it('shows nothing remaining on a stopped or cancelled clock, also after a breach', () => {
    expect(formatRemaining({ ...den, clock: 'stopped', remainingMinutes: 600 })).toBe(cs.sla.pending);
    expect(formatRemaining({ ...den, clock: 'stopped', remainingMinutes: -60 })).toBe(cs.sla.pending);
    expect(formatRemaining({ ...den, clock: 'not_applicable', remainingMinutes: null })).toBe(cs.sla.pending);
    expect(formatRemaining({ ...den, clock: 'paused', remainingMinutes: 960 })).toBe('2 d');
  });
});

describe('PUBLIC_URL default (issue 12)', () => {
  it('follows PORT unless PUBLIC_URL is set', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadConfig({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '8080', PUBLIC_URL: 'https://helpdesk.example.cz' }).PUBLIC_URL).toBe('https://helpdesk.example.cz');
  });
});

/**
 * Every reason the ingestion can log, read from its source: the string literals and templates
 * after `reason:` in services/mail/ingest.ts (without the attachment-skip reasons of the
 * history) and the values autoReplyReason (domain/mail/classify.ts) returns.
 */
function loggedReasons(): string[] {
  const sample = (template: string) => template.replace(/\$\{[^}]*\}/g, '1048576');
  const reasons = new Set<string>();
  const ingest = readFileSync(new URL('../../src/services/mail/ingest.ts', import.meta.url), 'utf8');
  for (const line of ingest.split('\n')) {
    if (!/\breason:/.test(line) || /skipped\.push|data:|existing\.outcome|handled\.reason|s\.reason/.test(line)) continue;
    const expr = line.slice(line.indexOf('reason:'));
    for (const m of expr.matchAll(/'([^']*)'|`([^`]*)`/g)) reasons.add(m[1] ?? sample(m[2]!));
  }
  const classify = readFileSync(new URL('../../src/domain/mail/classify.ts', import.meta.url), 'utf8');
  const body = classify.slice(classify.indexOf('export function autoReplyReason'), classify.indexOf('export function autoReplySubjectHint'));
  for (const m of body.matchAll(/return (?:'([^']*)'|`([^`]*)`)/g)) reasons.add(m[1] ?? sample(m[2]!));
  return [...reasons];
}

describe('the e-mail log in Czech (issue 12)', () => {
  it('finds the reasons of the ingestion (the scan itself works)', () => {
    const reasons = loggedReasons();
    expect(reasons).toEqual(expect.arrayContaining(['not_authorized', 'rate_limit', 'failed_repeatedly', 'failed', 'X-Autoreply', 'size 1048576 > 1048576']));
    expect(reasons.length).toBeGreaterThanOrEqual(18);
  });

  it('gives every reason the ingestion can log a Czech label, never the raw code', () => {
    for (const reason of loggedReasons()) {
      const text = describeMailReason(reason);
      expect(text, reason).not.toBe(reason);
      expect(text, reason).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
    }
    expect(describeMailReason('not_authorized')).toBe('odesílatel není uživatelem portálu');
    expect(describeMailReason('size 52428800 > 26214400')).toBe('zpráva má 50,0 MB, přijímáme nejvýše 25,0 MB');
    expect(describeMailReason('Precedence: bulk')).toBe('hromadná zpráva (Precedence: bulk)');
    expect(describeMailReason(null)).toBe('');
  });

  it('gives every logged outcome a Czech label', () => {
    for (const outcome of LOGGED_OUTCOMES) expect(cs.mailLog.outcomes[outcome], outcome).toBeTruthy();
  });
});
