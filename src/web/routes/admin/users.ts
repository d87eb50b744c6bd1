import { readFile } from 'node:fs/promises';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { cs } from '../../../i18n/cs.js';
import { resendInvitation } from '../../../services/admin/invitations.js';
import { CsvFileError, CsvRefusedError, decodeCsv, importUsersCsv, previewUsersCsv, type CsvPreview } from '../../../services/admin/users-csv.js';
import {
  addMembership,
  createUser,
  removeAuthorizedAddress,
  removeMembership,
  ROLES,
  setAuthorizedAddress,
  setStaffContracts,
  setUserActive,
  updateUser,
  updateUserNotifications,
} from '../../../services/admin/users.js';
import type { Role } from '../../../services/actor.js';
import { ValidationError } from '../../../services/errors.js';
import { auditTrail } from '../../../services/reads/audit.js';
import { companyChoices, contractChoices, listUsers, userAuditObjects, type UserFilter, userDetail } from '../../../services/reads/admin-users.js';
import { userHotlineCodes } from '../../../services/reads/hotline-codes.js';
import { currentUser } from '../../auth.js';
import type { WebContext } from '../../context.js';
import { formRoute, type FormErrors, type FormValues } from '../../form.js';
import { INT4_ID, optionalInt, PAGE, pathId } from '../../params.js';
import { incomingFiles } from '../../upload.js';


/** The list's filter from the query; an empty field is "all", anything else unknown is ignored, a bad number is 400. */
function userFilter(q: Record<string, unknown>): UserFilter {
  const text = typeof q.q === 'string' ? q.q.trim().slice(0, 200) : '';
  return {
    ...(text ? { text } : {}),
    ...(ROLES.includes(q.role as Role) ? { role: q.role as Role } : {}),
    ...(q.active === '1' ? { active: true } : q.active === '0' ? { active: false } : {}),
    ...(() => {
      const company = optionalInt(q.company, 'company', INT4_ID, undefined);
      return company === undefined ? {} : { company_id: company };
    })(),
    page: optionalInt(q.page, 'page', PAGE, 1),
  };
}

/** The edit page's forms: which one was sent (its values and errors are shown again). */
type EditForm = 'user' | 'membership' | 'authorized' | 'notifications' | 'serves';

/** Admin pages: users (issue 10). Mounted under requireAdmin by ./index.ts. */
export function usersRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/admin/users', async (req, res) => {
    const filter = userFilter(req.query as Record<string, unknown>);
    const [result, companies] = await Promise.all([listUsers(ctx, filter), companyChoices(ctx)]);
    const query = (page: number) => {
      const p = new URLSearchParams();
      if (filter.text) p.set('q', filter.text);
      if (filter.role) p.set('role', filter.role);
      if (filter.active !== undefined) p.set('active', filter.active ? '1' : '0');
      if (filter.company_id !== undefined) p.set('company', String(filter.company_id));
      p.set('page', String(page));
      return `/admin/users?${p}`;
    };
    res.render('admin/users', { result, filter, companies, roles: ROLES, prevUrl: filter.page > 1 ? query(filter.page - 1) : null, nextUrl: result.hasNext ? query(filter.page + 1) : null });
  });

  const renderNew = async (res: Response, values: FormValues, errors: FormErrors) => {
    res.render('admin/user-new', { values, errors, contracts: await contractChoices(ctx), roles: ROLES });
  };
  r.get('/admin/users/new', (_req, res) => renderNew(res, { role: 'customer', active: '1' }, {}));
  r.post(
    '/admin/users/new',
    formRoute(
      async (req, res, values) => {
        const created = await createUser(ctx, currentUser(req), values);
        res.redirect(303, `/admin/users/${created.id}?done=${created.invited ? 'createdInvited' : 'created'}`);
      },
      (_req, res, values, errors) => renderNew(res, values, errors),
    ),
  );

  // the CSV import: the upload (usersUploadRoutes) shows the preview; its confirmation sends the text again
  r.get('/admin/users/import', (_req, res) => res.render('admin/users-import', { fileError: null, preview: null, csv: '', done: null }));
  r.post('/admin/users/import/confirm', async (req, res) => {
    const csv = typeof req.body?.csv === 'string' ? req.body.csv : '';
    try {
      const done = await importUsersCsv(ctx, currentUser(req), csv);
      res.render('admin/users-import', { fileError: null, preview: null, csv: '', done });
    } catch (e) {
      const page = importRefusal(e, csv);
      if (!page) throw e;
      res.status(400).render('admin/users-import', page);
    }
  });

  const renderEdit = async (req: Request, res: Response, form: EditForm | null, values: FormValues, errors: FormErrors) => {
    const id = pathId(req.params.id, INT4_ID);
    const [u, contracts, trail, hotlineCodes] = await Promise.all([
      userDetail(ctx, id),
      contractChoices(ctx),
      userAuditObjects(ctx, id).then((objects) => auditTrail(ctx, objects)),
      userHotlineCodes(ctx, id),
    ]);
    if (!u) return res.status(404).render('error', { status: 404, message: cs.errors.notFound });
    const done = typeof req.query.done === 'string' ? (cs.admin.users.done[req.query.done] ?? null) : null;
    res.render('admin/user', { u, contracts, trail, hotlineCodes, roles: ROLES, form, values, errors, done, self: id === currentUser(req).id });
  };
  r.get('/admin/users/:id', (req, res) => renderEdit(req, res, null, {}, {}));

  /** A form of the edit page: the use case, then back to the page with a notice; refused input shows the page again. */
  const editForm = (form: EditForm, done: string, run: (req: Request, id: number, values: FormValues) => Promise<void>): RequestHandler =>
    formRoute(
      async (req, res, values) => {
        const id = pathId(req.params.id, INT4_ID);
        await run(req, id, values);
        res.redirect(303, `/admin/users/${id}?done=${done}`);
      },
      (req, res, values, errors) => renderEdit(req, res, form, values, errors),
    );

  r.post('/admin/users/:id', editForm('user', 'saved', (req, id, v) => updateUser(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/deactivate', editForm('user', 'deactivated', (req, id) => setUserActive(ctx, currentUser(req), id, false)));
  r.post('/admin/users/:id/reactivate', editForm('user', 'reactivated', (req, id) => setUserActive(ctx, currentUser(req), id, true)));
  r.post('/admin/users/:id/memberships', editForm('membership', 'membership', (req, id, v) => addMembership(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/memberships/remove', editForm('membership', 'membershipRemoved', (req, id, v) => removeMembership(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/authorized', editForm('authorized', 'authorized', (req, id, v) => setAuthorizedAddress(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/authorized/remove', editForm('authorized', 'authorizedRemoved', (req, id) => removeAuthorizedAddress(ctx, currentUser(req), id)));
  r.post('/admin/users/:id/notifications', editForm('notifications', 'notifications', (req, id, v) => updateUserNotifications(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/serves', editForm('serves', 'serves', (req, id, v) => setStaffContracts(ctx, currentUser(req), id, v)));
  r.post('/admin/users/:id/invite', editForm('user', 'invited', (req, id) => resendInvitation(ctx, currentUser(req), id)));
  return r;
}

/** The import page for a file or rows the import refuses; null for any other error. */
function importRefusal(e: unknown, csv: string): { fileError: string | null; preview: CsvPreview | null; csv: string; done: null } | null {
  if (e instanceof CsvFileError) return { fileError: e.userMessage, preview: null, csv: '', done: null };
  if (e instanceof CsvRefusedError) return { fileError: null, preview: e.preview, csv, done: null };
  return null;
}

/** Admin forms with a file: `upload` parses the multipart body, then verifies its CSRF token (index.ts). */
export function usersUploadRoutes(ctx: WebContext, upload: RequestHandler): Router {
  const r = Router();
  // the upload: the file checked row by row, nothing written; the preview carries the text to the confirmation
  r.post('/admin/users/import', upload, async (req, res) => {
    const file = incomingFiles(req)[0];
    let csv = '';
    try {
      if (req.uploadError) throw new ValidationError({ files: req.uploadError });
      if (!file) throw new ValidationError({ files: cs.admin.usersCsv.noFile });
      csv = decodeCsv('path' in file.source ? await readFile(file.source.path) : file.source);
      const preview = await previewUsersCsv(ctx.db, csv);
      res.status(preview.ok ? 200 : 400).render('admin/users-import', { fileError: null, preview, csv: preview.ok ? csv : '', done: null });
    } catch (e) {
      const message = e instanceof ValidationError ? (e.fields.files ?? null) : null;
      const page = message ? { fileError: message, preview: null, csv: '', done: null } : importRefusal(e, csv);
      if (!page) throw e;
      res.status(400).render('admin/users-import', page);
    }
  });
  return r;
}
