/**
 * The ticket page reads a tab's rows with its header in one statement (ticketWithTab): they must
 * be the rows the tab's own reads give, for customers (no internal messages) and staff alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { addMessage } from '../../src/services/conversation.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { NotFoundError } from '../../src/services/errors.js';
import { onePool } from '../../src/services/reads/pools.js';
import { ticketAttachments, ticketDetail, ticketMessages, ticketWithTab } from '../../src/services/reads/ticket-page.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let number: number;
beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  const file = (name: string) => fileFromBuffer(name, 'text/plain', Buffer.from(`obsah ${name}`));
  ({ number } = await createTicket(
    tdb.ctx,
    w.users.alice,
    { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Tisk <a> & "b"', description: 'popis' },
    [file('zadani-1.txt'), file('zadani-2.txt')],
  ));
  await addMessage(tdb.ctx, w.users.alice, number, { body: 'Dobrý den, přikládám log.' }, [file('log.txt')]);
  await addMessage(tdb.ctx, w.users.agent, number, { body: 'Interní: prověřit tiskárnu', internal: true });
  await addMessage(tdb.ctx, w.users.agent, number, { body: 'Prověřujeme.' }, [file('a.txt'), file('b.txt')]);
}, 120_000);
afterAll(() => tdb.drop());

describe('the ticket page header with its tab rows (ticketWithTab)', () => {
  it('brings the messages and the request attachments that the tabs own reads give', async () => {
    const pools = onePool(tdb.db);
    for (const actor of [w.users.alice, w.users.agent]) {
      const withMessages = await ticketWithTab(pools, actor, number, 'messages');
      const messages = await ticketMessages(pools, actor, number);
      expect(withMessages.messages).toEqual(messages);
      expect(messages.length).toBe(actor === w.users.alice ? 2 : 3);
      expect(messages.every((m) => m.created_at instanceof Date)).toBe(true);
      expect(withMessages.attachments).toEqual([]);

      const withAttachments = await ticketWithTab(pools, actor, number, 'attachments');
      expect(withAttachments.attachments).toEqual(await ticketAttachments(pools, number));
      expect(withAttachments.attachments.map((f) => f.name)).toEqual(['zadani-1.txt', 'zadani-2.txt']);
      expect(withAttachments.messages).toEqual([]);

      const header = await ticketDetail(pools, actor, number);
      for (const read of [withMessages, withAttachments]) expect(read.ticket).toEqual(header);
      expect(header).not.toHaveProperty('tab_messages');
    }
  });

  it('finds no ticket the actor may not see, whatever the tab', async () => {
    for (const rows of ['messages', 'attachments', 'none'] as const) {
      await expect(ticketWithTab(onePool(tdb.db), w.users.bob, number, rows)).rejects.toBeInstanceOf(NotFoundError);
    }
  });
});
