import { describe, expect, it } from 'vitest';
import { loginKey } from '../../src/domain/login.js';
import { clientAddressKey } from '../../src/services/sign-in.js';

describe('loginKey: one normal form of a login', () => {
  it.each([
    ['Alice', 'alice'],
    ['  alice  ', 'alice'],
    ['\talice\n', 'alice'],
    ['\u00a0alice\u00a0', 'alice'],
    ['\u3000alice\u3000', 'alice'],
    ['ａｌｉｃｅ', 'alice'],
    ['ALİCE'.normalize('NFD'), 'ali̇ce'.normalize('NFKC')],
    ['al\u200bice', 'alice'],
    ['\ufeffalice', 'alice'],
    ['ali\u00adce', 'alice'],
    ['ali\u0000ce', 'alice'],
    ['Jana.Novakova', 'jana.novakova'],
    ['novákova', 'novákova'],
    ['nova\u0301kova', 'novákova'],
  ])('%j becomes %j', (typed, key) => {
    expect(loginKey(typed)).toBe(key);
  });

  it('is idempotent', () => {
    for (const s of ['  ＡＬＩＣＥ\u3000', 'Ǆemal', 'ﬁlip', 'straße']) expect(loginKey(loginKey(s))).toBe(loginKey(s));
  });
});

describe('clientAddressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });
});
