/**
 * The rule of test/support/system-part.ts: a suite whose system part (chromium, Dovecot) is
 * missing fails in CI — for any truthy CI, as CI services set it — and skips with a warning locally.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isCI, systemPartAvailable } from '../support/system-part.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'system-part-'));
const present = path.join(dir, 'tool');
writeFileSync(present, '#!/bin/sh\n', { mode: 0o755 });
const missing = path.join(dir, 'missing-tool');
const part = (file: string) => ({ suite: 'a suite', file, install: 'apt-get install -y tool', override: 'TOOL_BIN' });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('isCI', () => {
  it.each(['true', 'TRUE', 'True', '1', 'yes', 'on', 'github', ' true '])('CI=%j is a CI run', (value) => {
    expect(isCI({ CI: value })).toBe(true);
  });

  it.each(['', ' ', '0', 'false', 'FALSE', 'no', 'off', 'n'])('CI=%j is a local run', (value) => {
    expect(isCI({ CI: value })).toBe(false);
  });

  it('an unset CI is a local run', () => {
    expect(isCI({})).toBe(false);
  });
});

describe('systemPartAvailable', () => {
  it('is true when the part is installed, in CI or not', () => {
    expect(systemPartAvailable(part(present), { CI: 'true' })).toBe(true);
    expect(systemPartAvailable(part(present), {})).toBe(true);
  });

  it.each(['true', '1', 'yes'])('fails the suite when the part is missing and CI=%s', (value) => {
    expect(() => systemPartAvailable(part(missing), { CI: value })).toThrow(/\[a suite\] .*missing-tool not found.*this suite must run in CI/);
  });

  it.each([undefined, '', '0', 'false'])('skips with a warning when the part is missing and CI=%j', (value) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(systemPartAvailable(part(missing), value === undefined ? {} : { CI: value })).toBe(false);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('SKIPPING a suite');
    } finally {
      warn.mockRestore();
    }
  });
});
