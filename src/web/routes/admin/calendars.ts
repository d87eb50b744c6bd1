import { type Request, type Response, Router } from 'express';
import { WEEKDAYS } from '../../../domain/sla/index.js';
import { cs } from '../../../i18n/cs.js';
import { calendarFormValues, createCalendar, NEW_CALENDAR_VALUES, updateCalendar, windowField } from '../../../services/admin/calendars.js';
import { NotFoundError } from '../../../services/errors.js';
import { calendarPage, listCalendars } from '../../../services/reads/admin-calendars.js';
import { currentUser } from '../../auth.js';
import type { WebContext } from '../../context.js';
import { type FormErrors, formRoute, type FormValues } from '../../form.js';
import { INT4_ID, pathId } from '../../params.js';

/** A calendar id of the path (an int4 column): anything else is 404. */
const calendarId = (raw: unknown): number => pathId(raw, INT4_ID);

/** The notice of the page the redirect after a save reaches (`?saved=1`, `&recomputed=N`). */
function notice(req: Request): string | null {
  if (req.query.saved !== '1') return null;
  const n = Number(req.query.recomputed);
  return cs.admin.calendars.savedRecomputed(Number.isSafeInteger(n) && n > 0 ? n : 0);
}

/** What the form sends: the name, a text per weekday, the country, the closed dates, the service day. */
const FIELDS = ['name', ...WEEKDAYS.map(windowField), 'holiday_country', 'extra_closed_dates', 'service_day_minutes'];

/**
 * Admin pages: service calendars (issue 10). Mounted under requireAdmin by ./index.ts. The
 * list, the new-calendar form and a calendar's page (its form, the 14-day preview, the public
 * holidays, its contracts, its audit trail); a refused form comes back with status 400, what
 * was typed and each message at its field; a save redirects (303) to the calendar's page.
 */
export function calendarsRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/admin/calendars', async (req, res) => {
    res.render('admin/calendars', { rows: await listCalendars(ctx), notice: notice(req) });
  });

  const renderNew = (res: Response, values: FormValues, errors: FormErrors) =>
    res.render('admin/calendar', { isNew: true, page: null, values, errors, notice: null, weekdays: WEEKDAYS });
  r.get('/admin/calendars/new', (_req, res) => renderNew(res, NEW_CALENDAR_VALUES, {}));
  r.post(
    '/admin/calendars/new',
    formRoute(
      async (req, res, values) => {
        const { id } = await createCalendar(ctx, currentUser(req), values);
        res.redirect(303, `/admin/calendars/${id}?saved=1`);
      },
      (_req, res, values, errors) => renderNew(res, values, errors),
      { fields: FIELDS },
    ),
  );

  async function renderCalendar(req: Request, res: Response, values: FormValues | null, errors: FormErrors) {
    const page = await calendarPage(ctx, calendarId(req.params.id));
    if (!page) throw new NotFoundError('calendar');
    res.render('admin/calendar', {
      isNew: false,
      page,
      values: values ?? calendarFormValues(page.calendar),
      errors,
      notice: values ? null : notice(req),
      weekdays: WEEKDAYS,
    });
  }
  r.get('/admin/calendars/:id', (req, res) => renderCalendar(req, res, null, {}));
  r.post(
    '/admin/calendars/:id',
    formRoute(
      async (req, res, values) => {
        const id = calendarId(req.params.id);
        const { recomputed } = await updateCalendar(ctx, currentUser(req), id, values);
        res.redirect(303, `/admin/calendars/${id}?saved=1${recomputed.length > 0 ? `&recomputed=${recomputed.length}` : ''}`);
      },
      (req, res, values, errors) => renderCalendar(req, res, values, errors),
      { fields: FIELDS },
    ),
  );

  return r;
}
