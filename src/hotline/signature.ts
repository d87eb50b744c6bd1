import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as express.urlencoded (extended: false) gives them: a repeated name is an array. */
export type WebhookParams = Record<string, string | string[]>;

/**
 * The provider's webhook signature (X-Twilio-Signature, HOTLINE.md §1): Base64 of HMAC-SHA1 under
 * the auth token of the full URL followed by every POST parameter's name and value, in name
 * order (a repeated name: its distinct values sorted, each with the name).
 */
export function webhookSignature(authToken: string, url: string, params: WebhookParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * Whether `signature` signs the request. The provider signs the URL as it was configured, which
 * may or may not spell out the scheme's default port, so both spellings are accepted.
 */
export function validSignature(authToken: string, signature: string | undefined, url: string, params: WebhookParams): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature);
  return urlSpellings(url).some((candidate) => {
    const expected = Buffer.from(webhookSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** The URL as built, without its port when that is the scheme's default, and with it. */
function urlSpellings(url: string): string[] {
  const m = /^(https?):\/\/([^/?#:]+)(?::(\d+))?(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, host, port, rest] = m;
  const standard = scheme!.toLowerCase() === 'https' ? '443' : '80';
  if (port && port !== standard) return [url];
  return [`${scheme}://${host}${rest}`, `${scheme}://${host}:${standard}${rest}`];
}
