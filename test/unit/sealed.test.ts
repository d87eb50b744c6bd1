import { describe, expect, it } from 'vitest';
import { seal, sealingKey, unseal } from '../../src/domain/sealed.js';

describe('a secret sealed at rest (domain/sealed.ts)', () => {
  const key = sealingKey('server secret of at least sixteen characters', 'outbox mail');

  it('opens with the same key and purpose, and seals differently every time (fresh IV)', () => {
    const a = seal(key, '0012345678');
    const b = seal(key, '0012345678');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('0012345678');
    expect(unseal(key, a)).toBe('0012345678');
    expect(unseal(sealingKey('server secret of at least sixteen characters', 'outbox mail'), b)).toBe('0012345678');
  });

  it('refuses another key, another purpose, an altered or cut value', () => {
    const sealed = seal(key, '0012345678');
    expect(() => unseal(sealingKey('another server secret, also long', 'outbox mail'), sealed)).toThrow();
    expect(() => unseal(sealingKey('server secret of at least sixteen characters', 'something else'), sealed)).toThrow();
    const raw = Buffer.from(sealed, 'base64url');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(() => unseal(key, raw.toString('base64url'))).toThrow();
    expect(() => unseal(key, sealed.slice(0, 20))).toThrow();
  });

  it('derives a key that is not the secret itself', () => {
    expect(key).toHaveLength(32);
    expect(key.toString('utf8')).not.toContain('server secret');
  });
});
