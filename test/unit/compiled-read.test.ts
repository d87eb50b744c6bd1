import knex from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledRead } from '../../src/db/compiled.js';

// no connection is made: the checks run when a shape is first built, before a statement is sent
const db = knex({ client: 'pg' });
afterAll(() => db.destroy());

describe('compiledRead (db/compiled.ts)', () => {
  it('refuses a read whose SQL or constant bindings depend on a value', async () => {
    const computed = compiledRead((d, _shape: 'a', n: number) => d('tickets').where('number', n + 1));
    await expect(computed(db, 'a', 5)).rejects.toThrow(/depends on a value/);
    const inlined = compiledRead((d, _shape: 'a', n: number) => d('tickets').whereRaw(`number = ${n}`));
    await expect(inlined(db, 'a', 5)).rejects.toThrow(/depends on a value/);
    const branching = compiledRead((d, _shape: 'a', n: number) => d('tickets').where('number', n).limit(n > 1_900_050_000 ? 2 : 1));
    await expect(branching(db, 'a', 5)).rejects.toThrow(/depends on a value/);
  });
});
