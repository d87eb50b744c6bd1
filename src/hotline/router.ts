import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Config } from '../config.js';
import { cs } from '../i18n/cs.js';
import type { CallAnswer } from '../services/hotline/answers.js';
import { codeTyped, incomingCall, menuChosen, recordingDone } from '../services/hotline/calls.js';
import type { ServiceContext } from '../services/context.js';
import { answerTwiml, type HotlineUrls } from './prompts.js';
import { validSignature, type WebhookParams } from './signature.js';
import { hangup, say, twiml } from './twiml.js';

/** The provider's parameters are short; a few kB is plenty. */
const BODY_LIMIT = '16kb';

const PATHS = { voice: '/hotline/voice', code: '/hotline/voice/code', recorded: '/hotline/voice/recorded', menu: '/hotline/voice/menu' } as const;

/**
 * The phone channel (HOTLINE.md): the provider's voice webhooks, mounted at the root with full
 * paths. Off (404) without HOTLINE_AUTH_TOKEN; otherwise every request must carry the provider's
 * signature of PUBLIC_URL + its path and query and its parameters (403, nothing changed), then
 * one use case answers and the answer goes back as TwiML.
 */
export function hotlineRouter(ctx: ServiceContext, config: Pick<Config, 'HOTLINE_AUTH_TOKEN' | 'PUBLIC_URL'>): Router {
  const router = express.Router();
  const token = config.HOTLINE_AUTH_TOKEN;
  if (!token) {
    // off: the webhooks do not exist (not the portal's CSRF refusal)
    router.use((req, res, next) => {
      if (req.path === PATHS.voice || req.path.startsWith(`${PATHS.voice}/`)) res.status(404).type('text/plain').send('Not Found');
      else next();
    });
    return router;
  }
  const base = config.PUBLIC_URL.replace(/\/+$/, '');
  // the paths as HOTLINE.md names them: the provider resolves them against the URL it called (PUBLIC_URL's)
  const urls: HotlineUrls = { code: PATHS.code, recorded: PATHS.recorded, menu: PATHS.menu };

  const signed = (req: Request, res: Response, next: NextFunction) => {
    const params = (req.body ?? {}) as WebhookParams;
    if (!validSignature(token, req.get('x-twilio-signature'), base + req.originalUrl, params)) {
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    next();
  };
  const webhook = (step: (p: (name: string) => string) => Promise<CallAnswer>) => async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as WebhookParams;
    const param = (name: string) => {
      const v = body[name];
      return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
    };
    let xml: string;
    if (param('CallSid') === '') xml = twiml(say(cs.hotline.unknownCall), hangup());
    else {
      try {
        xml = answerTwiml(await step(param), urls);
      } catch (err) {
        // the caller must hear something: a polite goodbye, never an error page read out
        console.error('hotline webhook failed', err);
        xml = twiml(say(cs.hotline.unknownCall), hangup());
      }
    }
    res.status(200).type('text/xml').send(xml);
  };

  const urlencoded = express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 100 });
  // without a signature there is nothing to check: refused before the body is even read
  const parse = (req: Request, res: Response, next: NextFunction) => {
    if (!req.get('x-twilio-signature')) {
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    urlencoded(req, res, next);
  };
  router.post(PATHS.voice, parse, signed, webhook((p) => incomingCall(ctx, { callSid: p('CallSid'), from: p('From'), to: p('To') })));
  router.post(PATHS.code, parse, signed, webhook((p) => codeTyped(ctx, p('CallSid'), p('Digits'))));
  router.post(
    PATHS.recorded,
    parse,
    signed,
    webhook((p) => recordingDone(ctx, p('CallSid'), { url: p('RecordingUrl'), sid: p('RecordingSid'), seconds: seconds(p('RecordingDuration')) }, p('Digits'))),
  );
  router.post(PATHS.menu, parse, signed, webhook((p) => menuChosen(ctx, p('CallSid'), p('Digits'))));
  // a body the parser refuses (too large, malformed) is no signed webhook
  router.use(PATHS.voice, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    res.status(400).type('text/plain').send('Bad Request');
  });
  return router;
}

/** RecordingDuration in whole seconds (0 when absent or not a number; at most an hour). */
function seconds(v: string): number {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 3600) : 0;
}
