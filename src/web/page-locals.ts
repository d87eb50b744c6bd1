import type { Request, Response } from 'express';
import { type Catalogue, catalogue, LANGUAGES, pickLanguage } from '../i18n/index.js';
import { isStaff } from '../services/actor.js';
import { sessionUser } from './auth.js';
import { viewHelpers } from './format.js';
import { confirmSession } from './sessions.js';
import { slaHelpers, slaHelpersIn } from './sla-format.js';
import { translateFields, translateMessage } from './translate.js';

const helpers = { ...viewHelpers, ...slaHelpers };
const helpersIn = Object.fromEntries(LANGUAGES.map((l) => [l, l === 'cs' ? helpers : { ...viewHelpers, ...slaHelpersIn(catalogue(l)) }]));

/** What a page takes from the request's user: its language (with catalogue and helpers) and role. */
export function userLocals(req: Request, res: Response): void {
  // the user's language, else the browser's (Accept-Language), else Czech (i18n/index.ts)
  res.locals.lang = pickLanguage(req.user?.language, req.headers['accept-language']);
  res.locals.t = catalogue(res.locals.lang);
  // the routes' Czech messages (an error page's message, a form's errors) in the page's language
  if (res.locals.lang !== 'cs') translateRenders(res);
  res.locals.h = helpersIn[res.locals.lang] ?? helpers;
  res.locals.user = req.user ?? null;
  res.locals.staff = req.user ? isStaff(req.user) : false;
  res.locals.admin = req.user?.role === 'admin';
}

/**
 * Checks a session the request took unchecked from memory (web/sessions.ts); when it changed or
 * ended, the user and what the page took from them are taken again.
 */
export async function confirmUser(req: Request, res: Response): Promise<void> {
  const again = () => {
    req.user = undefined;
    sessionUser(req, res, () => undefined);
    userLocals(req, res);
  };
  try {
    if (await confirmSession(req)) again();
  } catch (err) {
    // the session could not be checked and was dropped (sessions.ts): nor is its user kept
    again();
    throw err;
  }
}

/** The options of a page that carry a route's messages: shown in the page's language (translate.ts). */
const MESSAGE_OPTIONS = ['message', 'formError', 'searchError', 'error', 'notice', 'done'] as const;
const TRANSLATING = Symbol('renders translated');

/** Makes res.render show the Czech messages a route passes (cs.ts) in the page's catalogue. */
function translateRenders(res: Response): void {
  const marked = res as unknown as { [TRANSLATING]?: true };
  if (marked[TRANSLATING]) return;
  marked[TRANSLATING] = true;
  const render = res.render.bind(res) as (view: string, options?: object, cb?: (err: Error, html: string) => void) => void;
  res.render = ((view: string, options?: object | ((err: Error, html: string) => void), cb?: (err: Error, html: string) => void) => {
    if (typeof options === 'function') return render(view, undefined, options as (err: Error, html: string) => void);
    const t = res.locals.t as Catalogue;
    const o: Record<string, unknown> = { ...(options as Record<string, unknown> | undefined) };
    for (const key of MESSAGE_OPTIONS) if (typeof o[key] === 'string') o[key] = translateMessage(o[key], t);
    if (o.errors && typeof o.errors === 'object') o.errors = translateFields(o.errors as Record<string, unknown>, t);
    return render(view, o, cb);
  }) as Response['render'];
}
