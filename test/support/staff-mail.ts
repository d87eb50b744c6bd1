import type { Db } from '../../src/db/knex.js';
import { STAFF_NOTIFICATION_KINDS } from '../../src/services/notifications.js';

/**
 * Switches every staff notification off for the world's staff (issue 12): for test files about
 * the customers' notifications and the outbox's mechanics, whose counts of mail per ticket
 * predate staff mail. test/web/staff-notifications.test.ts covers staff mail.
 */
export async function silenceStaffNotifications(db: Db): Promise<void> {
  const off = Object.fromEntries(STAFF_NOTIFICATION_KINDS.map((k) => [k, false]));
  await db('users').whereIn('role', ['agent', 'admin']).update({ notify_prefs: JSON.stringify(off) });
}
