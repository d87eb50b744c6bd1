/**
 * The TwiML subset HOTLINE.md §1 allows, built with every text and attribute escaped. A response
 * is a list of verbs; `twiml(...)` makes the document.
 */
export type Verb = string & { readonly __verb: unique symbol };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function element(name: string, attrs: Record<string, string | number>, body?: string): Verb {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  return (body === undefined ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`) as Verb;
}

/** A prompt in the provider's Czech voice. */
export const say = (text: string): Verb => element('Say', { language: 'cs-CZ' }, escapeXml(text));

/** Only for the caller's own recording. */
export const play = (url: string): Verb => element('Play', {}, escapeXml(url));

export const gather = (opts: { numDigits: number; timeout: number; action: string }, ...prompts: Verb[]): Verb =>
  element('Gather', { input: 'dtmf', numDigits: opts.numDigits, timeout: opts.timeout, action: opts.action, method: 'POST' }, prompts.join(''));

export const record = (action: string): Verb =>
  element('Record', { maxLength: 60, finishOnKey: '#', playBeep: 'true', action, method: 'POST' });

export const redirect = (url: string): Verb => element('Redirect', { method: 'POST' }, escapeXml(url));

export const hangup = (): Verb => element('Hangup', {});

export function twiml(...verbs: Verb[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}
