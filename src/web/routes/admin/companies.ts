import { type Request, type Response, Router } from 'express';
import { SLA_METHODS } from '../../../domain/sla/index.js';
import { cs } from '../../../i18n/cs.js';
import { NotFoundError } from '../../../services/errors.js';
import { createCompany, updateCompany } from '../../../services/admin/companies.js';
import { createContract, createParagraph, updateContract, updateParagraph } from '../../../services/admin/contracts.js';
import {
  type ActiveFilter,
  calendarChoices,
  companyHeader,
  companyPage,
  contractHeader,
  contractPage,
  listCompanies,
  paragraphPage,
} from '../../../services/reads/admin-companies.js';
import type { WebContext } from '../../context.js';
import { currentUser } from '../../auth.js';
import { type FormErrors, formRoute, type FormValues } from '../../form.js';
import { INT4_ID, pathId } from '../../params.js';


/** A stored boolean as a form's checkbox value. */
const box = (v: boolean) => (v ? '1' : '');

/** The notice of a page reached by the redirect after a save (`?saved=1`, `&recomputed=N`). */
function notice(req: Request): string | null {
  if (req.query.saved !== '1') return null;
  const n = Number(req.query.recomputed);
  return Number.isSafeInteger(n) && n > 0 ? `${cs.admin.saved} ${cs.admin.companies.recomputed(n)}` : cs.admin.saved;
}

const savedUrl = (path: string, recomputed = 0) => `${path}?saved=1${recomputed > 0 ? `&recomputed=${recomputed}` : ''}`;

const ACTIVE_FILTERS: readonly ActiveFilter[] = ['all', 'active', 'inactive'];

/**
 * Admin pages: companies, their contracts and the contracts' paragraphs (issue 10). Mounted
 * under requireAdmin by ./index.ts; every form posts back to its page and, once saved,
 * redirects (303) to the object's page with a notice.
 */
export function companiesRoutes(ctx: WebContext): Router {
  const r = Router();

  // ---- companies
  r.get('/admin/companies', async (req, res) => {
    const text = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    const active = ACTIVE_FILTERS.find((f) => f === req.query.active) ?? 'all';
    const filter = { text, active };
    res.render('admin/companies', { rows: await listCompanies(ctx, filter), filter, notice: notice(req) });
  });

  const renderNewCompany = (res: Response, values: FormValues, errors: FormErrors) =>
    res.render('admin/companies-edit', { isNew: true, company: null, contracts: [], trail: [], values, errors, notice: null });
  r.get('/admin/companies/new', (_req, res) => renderNewCompany(res, { active: '1' }, {}));
  r.post(
    '/admin/companies/new',
    formRoute(
      async (req, res, values) => {
        const { id } = await createCompany(ctx, currentUser(req), values);
        res.redirect(303, savedUrl(`/admin/companies/${id}`));
      },
      (_req, res, values, errors) => renderNewCompany(res, values, errors),
    ),
  );

  async function renderCompany(req: Request, res: Response, values: FormValues | null, errors: FormErrors) {
    const page = await companyPage(ctx, pathId(req.params.id, INT4_ID));
    if (!page) throw new NotFoundError('company');
    const { company } = page;
    res.render('admin/companies-edit', {
      isNew: false,
      ...page,
      values: values ?? { name: company.name, address: company.address, active: box(company.active) },
      errors,
      notice: values ? null : notice(req),
    });
  }
  r.get('/admin/companies/:id', (req, res) => renderCompany(req, res, null, {}));
  r.post(
    '/admin/companies/:id',
    formRoute(
      async (req, res, values) => {
        const id = pathId(req.params.id, INT4_ID);
        await updateCompany(ctx, currentUser(req), id, values);
        res.redirect(303, savedUrl(`/admin/companies/${id}`));
      },
      (req, res, values, errors) => renderCompany(req, res, values, errors),
    ),
  );

  // ---- contracts
  async function renderNewContract(req: Request, res: Response, values: FormValues, errors: FormErrors) {
    const company = await companyHeader(ctx, pathId(req.params.id, INT4_ID));
    if (!company) throw new NotFoundError('company');
    res.render('admin/contract', { isNew: true, company, contract: null, paragraphs: [], trail: [], calendars: await calendarChoices(ctx), values, errors, notice: null });
  }
  r.get('/admin/companies/:id/contracts/new', (req, res) => renderNewContract(req, res, { active: '1' }, {}));
  r.post(
    '/admin/companies/:id/contracts/new',
    formRoute(
      async (req, res, values) => {
        const { id } = await createContract(ctx, currentUser(req), pathId(req.params.id, INT4_ID), values);
        res.redirect(303, savedUrl(`/admin/contracts/${id}`));
      },
      (req, res, values, errors) => renderNewContract(req, res, values, errors),
    ),
  );

  async function renderContract(req: Request, res: Response, values: FormValues | null, errors: FormErrors) {
    const page = await contractPage(ctx, pathId(req.params.id, INT4_ID));
    if (!page) throw new NotFoundError('contract');
    const { contract } = page;
    res.render('admin/contract', {
      isNew: false,
      company: { id: contract.company_id, name: contract.company_name, active: contract.company_active },
      ...page,
      calendars: await calendarChoices(ctx),
      values: values ?? {
        number: contract.number,
        name: contract.name,
        calendar_id: contract.calendar_id,
        active: box(contract.active),
        hotline: box(contract.hotline),
        hotline_calendar_id: contract.hotline_calendar_id ?? '',
      },
      errors,
      notice: values ? null : notice(req),
    });
  }
  r.get('/admin/contracts/:id', (req, res) => renderContract(req, res, null, {}));
  r.post(
    '/admin/contracts/:id',
    formRoute(
      async (req, res, values) => {
        const id = pathId(req.params.id, INT4_ID);
        const { recomputed } = await updateContract(ctx, currentUser(req), id, values);
        res.redirect(303, savedUrl(`/admin/contracts/${id}`, recomputed.length));
      },
      (req, res, values, errors) => renderContract(req, res, values, errors),
    ),
  );

  // ---- paragraphs
  async function renderNewParagraph(req: Request, res: Response, values: FormValues, errors: FormErrors) {
    const contract = await contractHeader(ctx, pathId(req.params.id, INT4_ID));
    if (!contract) throw new NotFoundError('contract');
    res.render('admin/paragraph', { isNew: true, contract, paragraph: null, trail: [], slaMethods: SLA_METHODS, values, errors, notice: null });
  }
  r.get('/admin/contracts/:id/paragraphs/new', (req, res) => renderNewParagraph(req, res, { kind: 'incident', active: '1' }, {}));
  r.post(
    '/admin/contracts/:id/paragraphs/new',
    formRoute(
      async (req, res, values) => {
        const contractId = pathId(req.params.id, INT4_ID);
        await createParagraph(ctx, currentUser(req), contractId, values);
        res.redirect(303, savedUrl(`/admin/contracts/${contractId}`));
      },
      (req, res, values, errors) => renderNewParagraph(req, res, values, errors),
    ),
  );

  async function renderParagraph(req: Request, res: Response, values: FormValues | null, errors: FormErrors) {
    const page = await paragraphPage(ctx, pathId(req.params.id, INT4_ID));
    if (!page) throw new NotFoundError('paragraph');
    const { paragraph: p } = page;
    res.render('admin/paragraph', {
      isNew: false,
      ...page,
      slaMethods: SLA_METHODS,
      values: values ?? {
        code: p.code,
        name: p.name,
        kind: p.kind,
        reaction_method: p.reaction_method ?? '',
        reaction_amount: p.reaction_amount ?? '',
        resolution_method: p.resolution_method ?? '',
        resolution_amount: p.resolution_amount ?? '',
        is_email_default: box(p.is_email_default),
        is_hotline_default: box(p.is_hotline_default),
        active: box(p.active),
      },
      errors,
      notice: values ? null : notice(req),
    });
  }
  r.get('/admin/paragraphs/:id', (req, res) => renderParagraph(req, res, null, {}));
  r.post(
    '/admin/paragraphs/:id',
    formRoute(
      async (req, res, values) => {
        const id = pathId(req.params.id, INT4_ID);
        const { recomputed } = await updateParagraph(ctx, currentUser(req), id, values);
        res.redirect(303, savedUrl(`/admin/paragraphs/${id}`, recomputed.length));
      },
      (req, res, values, errors) => renderParagraph(req, res, values, errors),
    ),
  );

  return r;
}
