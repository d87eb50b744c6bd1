import { cs } from '../i18n/cs.js';
import type { CallAnswer } from '../services/hotline/answers.js';
import { type Verb, gather, hangup, play, record, redirect, say, twiml } from './twiml.js';

/** The next steps' webhooks (HOTLINE.md §2): their paths, which the provider resolves against the URL it called. */
export interface HotlineUrls {
  code: string;
  recorded: string;
  menu: string;
}

const t = cs.hotline;
/** Seconds of silence before a Gather gives up: the code takes a while to type. */
const CODE_TIMEOUT = 10;
const MENU_TIMEOUT = 8;

/**
 * A use case's answer as TwiML. After a Gather that hears nothing the provider goes on to the
 * next verb, so a Redirect sends the silence to the same step (no digits: a try, or the menu again);
 * after a Record that heard nothing, the same for the recording step.
 */
export function answerTwiml(answer: CallAnswer, urls: HotlineUrls): string {
  switch (answer.kind) {
    case 'ask_code': {
      const before = answer.after === 'greeting' ? t.greeting : answer.after === 'wrong' ? t.wrongCode : t.noCode;
      return twiml(gather({ numDigits: 10, timeout: CODE_TIMEOUT, action: urls.code }, say(before), say(t.askCode)), redirect(urls.code));
    }
    case 'record':
      return twiml(...(answer.after === 'empty' ? [say(t.nothingRecorded)] : []), say(t.instructions), record(urls.recorded), redirect(urls.recorded));
    case 'menu':
      return twiml(menu(urls), redirect(urls.menu));
    case 'play':
      return twiml(play(answer.recordingUrl), menu(urls), redirect(urls.menu));
    case 'outside_hours':
      return goodbye(answer.hours ? t.outsideHours(answer.hours) : t.noHours);
    case 'saved':
      return goodbye(t.saved(String(answer.ticketNumber).split('').join(' ')));
    case 'saving':
      return goodbye(t.saving);
    case 'download_failed':
      return goodbye(t.downloadFailed);
    case 'goodbye':
      return goodbye(
        answer.reason === 'locked_out' ? t.lockedOut
        : answer.reason === 'too_many_tries' ? t.tooManyTries
        : answer.reason === 'unknown_call' ? t.unknownCall
        : t.goodbye,
      );
  }
}

const menu = (urls: HotlineUrls): Verb => gather({ numDigits: 1, timeout: MENU_TIMEOUT, action: urls.menu }, say(t.menu));

const goodbye = (text: string): string => twiml(say(text), hangup());
