import type { Express } from 'express';
import { expect } from 'vitest';
import { fillPath, type RouteInfo, routesOf } from './routes.js';
import { login } from './web.js';
import type { World } from './world.js';

/*
 * The portal's pages for the browser suites (accessibility, responsive): the customer's, the
 * staff's and the admin's, each with a short name (used in screenshot file names) and its URL.
 */

export interface PortalPage {
  /** short, file-name safe: `staff-queue`, `admin-users-7` */
  name: string;
  url: string;
  /** the expected HTTP status (200 unless said) */
  status?: number;
}

/** The tickets the page lists need: a new one, an accepted one and a resolved one with a conversation. */
export interface PortalTickets {
  fresh: number;
  accepted: number;
  resolved: number;
}

/** Creates the tickets of PortalTickets through the web app, as alice and the agent would. */
export async function seedPortalTickets(app: Express, world: World): Promise<PortalTickets> {
  const customer = await login(app, 'alice');
  const staff = await login(app, 'agent');
  const create = async (subject: string) => {
    const res = await customer.agent
      .post('/tickets/new')
      .field('_csrf', customer.csrf)
      .field('contract_id', String(world.contractA))
      .field('paragraph_id', String(world.paragraphs.A.incident))
      .field('contact_phone', '602123456')
      .field('subject', subject)
      .field('description', 'Po aktualizaci nelze tisknout z účetního modulu, tiskárna hlásí chybu spooleru.')
      .attach('files', Buffer.from('obsah'), { filename: 'příloha.txt', contentType: 'text/plain' });
    expect(res.status).toBe(303);
    return Number(/\/tickets\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
  };
  const fresh = await create('Nelze tisknout');
  const accepted = await create('Pomalé přihlašování do účetního systému po ranní aktualizaci');
  const resolved = await create('Pomalá aplikace');
  const act = (number: number, action: string, fields: Record<string, string> = {}) =>
    staff.agent.post(`/tickets/${number}/actions/${action}`).type('form').send({ _csrf: staff.csrf, ...fields });
  expect((await act(accepted, 'accept')).status).toBe(303);
  expect((await act(resolved, 'accept')).status).toBe(303);
  expect((await staff.agent.post(`/tickets/${resolved}/messages`).field('_csrf', staff.csrf).field('body', 'Prověřujeme.')).status).toBe(303);
  expect((await staff.agent.post(`/tickets/${resolved}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '45', note: 'Analýza logů aplikačního serveru' })).status).toBe(303);
  expect((await act(resolved, 'resolve', { resolution: 'Zrychleno.' })).status).toBe(303);
  return { fresh, accepted, resolved };
}

const TICKET_TABS = [['', 'request'], ['/komunikace', 'conversation'], ['/vyhodnoceni', 'evaluation'], ['/historie', 'history']] as const;

/** The customer's pages (alice's): lists, the new-ticket form, every tab of her tickets, her account. */
export function customerPages(tickets: PortalTickets): PortalPage[] {
  return [
    { name: 'customer-overview-current', url: '/tickets?list=current' },
    { name: 'customer-overview-resolved', url: '/tickets?list=resolved' },
    { name: 'customer-overview-closed', url: '/tickets?list=closed' },
    { name: 'customer-new-ticket', url: '/tickets/new' },
    ...TICKET_TABS.filter(([, tab]) => tab !== 'evaluation').map(([suffix, tab]) => ({ name: `customer-ticket-fresh-${tab}`, url: `/tickets/${tickets.fresh}${suffix}` })),
    ...TICKET_TABS.map(([suffix, tab]) => ({ name: `customer-ticket-resolved-${tab}`, url: `/tickets/${tickets.resolved}${suffix}` })),
    { name: 'customer-account-password', url: '/account/password' },
    { name: 'customer-account-notifications', url: '/account/notifications' },
  ];
}

/** The staff's pages (the agent's): the queue with filters, every tab of a ticket with the staff panel, the SLA calculator, the mail log, the reports. */
export function staffPages(tickets: PortalTickets, world: World): PortalPage[] {
  return [
    { name: 'staff-queue', url: '/staff/queue' },
    { name: 'staff-queue-all', url: '/staff/queue?state=all&sort=due_asc' },
    { name: 'staff-queue-filtered', url: `/staff/queue?state=open&contract=${world.contractA}&assignee=none&sla=breached&text=tisk` },
    ...TICKET_TABS.map(([suffix, tab]) => ({ name: `staff-ticket-accepted-${tab}`, url: `/tickets/${tickets.accepted}${suffix}` })),
    ...TICKET_TABS.map(([suffix, tab]) => ({ name: `staff-ticket-resolved-${tab}`, url: `/tickets/${tickets.resolved}${suffix}` })),
    { name: 'staff-ticket-new', url: `/tickets/${tickets.fresh}` },
    { name: 'staff-sla-calculator', url: '/staff/sla-calculator' },
    { name: 'staff-sla-calculator-result', url: `/staff/sla-calculator?paragraph_id=${world.paragraphs.A.incident}&start=2026-11-27T09:00` },
    { name: 'staff-mail-log', url: '/staff/mail' },
    { name: 'staff-mail-quarantine', url: '/staff/mail?quarantine=1' },
    { name: 'staff-reports', url: '/reports' },
    { name: 'staff-report-contract', url: `/reports/contracts/${world.contractA}` },
    // the staff's own notification kinds (issue 12, part 2)
    { name: 'staff-account-notifications', url: '/account/notifications' },
    // the HotLine's call log and codes (issue 13)
    { name: 'staff-hotline-log', url: '/staff/hotline' },
    { name: 'staff-hotline-log-filtered', url: '/staff/hotline?outcome=download_failed' },
    { name: 'staff-hotline-codes', url: '/staff/hotline/codes' },
  ];
}

/** Every admin page the app has (from its router), with real ids filled in (`more`: sections the world has no object of, e.g. `'api-tokens'`). */
export function adminPages(app: Express, world: World, calendarId: number, more: Record<string, number> = {}): PortalPage[] {
  const ids: Record<string, number> = {
    companies: world.companyA,
    contracts: world.contractA,
    paragraphs: world.paragraphs.A.incident,
    calendars: calendarId,
    users: world.users.alice.id,
    ...more,
  };
  return routesOf(app)
    .filter((r: RouteInfo) => r.method === 'GET' && (r.path === '/admin' || r.path.startsWith('/admin/')))
    .map((r) => fillPath(r.path, { id: ids[r.path.split('/')[2] ?? ''] ?? 0, token: 'x' }))
    .map((url) => ({ name: url.replace(/^\//, '').replace(/[^\w-]+/g, '-') || 'admin', url }))
    // a staff member's page too: its contracts served (issue 12, part 2)
    .concat([{ name: 'admin-users-staff', url: `/admin/users/${world.users.agent.id}` }]);
}
