import { cs } from '../../i18n/cs.js';
import type { HotlineSettings } from '../context.js';

/** How long one download may take, and how many redirects (each to an allowed host) it follows. */
export const DOWNLOAD_TIMEOUT_MS = 20_000;
const MAX_REDIRECTS = 3;

export type Download = { ok: true; wav: Buffer } | { ok: false; failure: string };

/**
 * Whether a URL may be fetched: http(s), no credentials in it, and its host listed in
 * HOTLINE_RECORDING_HOSTS: an entry with a port allows that port only (host:port as written, or
 * with the scheme's port), an entry without one the host on any port. Nothing else is ever
 * fetched, whatever a webhook names (SSRF).
 */
export function allowedRecordingUrl(raw: string, hosts: readonly string[]): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return null;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return hosts.includes(host) || hosts.includes(url.host.toLowerCase()) || hosts.includes(`${host}:${port}`) ? url : null;
}

/** A RIFF/WAVE header: the only audio the provider's `.wav` download gives. */
export function isWav(data: Buffer): boolean {
  return data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WAVE';
}

/**
 * Downloads the recording as WAV (HOTLINE.md §5): RecordingUrl + '.wav' from an allowed host,
 * with the account's basic auth when both the SID and the token are set, within a timeout and
 * `maxBytes`. Redirects are followed only to allowed hosts, and the credentials only to the
 * first host. Never throws: a failure says why, in words for the hotline log (no secrets).
 */
export async function downloadRecording(settings: HotlineSettings, recordingUrl: string, maxBytes: number): Promise<Download> {
  const t = cs.hotline.failure;
  const first = allowedRecordingUrl(`${recordingUrl}.wav`, settings.recordingHosts);
  if (!first) return { ok: false, failure: URL.canParse(`${recordingUrl}.wav`) ? t.host : t.url };
  const auth = settings.accountSid && settings.authToken ? `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}` : null;
  const signal = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  try {
    let url = first;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { accept: 'audio/wav, audio/x-wav, */*' };
      if (auth && url.host === first.host) headers.authorization = auth;
      const res = await fetch(url, { headers, redirect: 'manual', signal });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location') && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        const next = allowedRecordingUrl(new URL(res.headers.get('location')!, url).toString(), settings.recordingHosts);
        if (!next) return { ok: false, failure: t.host };
        url = next;
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        return { ok: false, failure: t.status(res.status) };
      }
      const wav = await readCapped(res, maxBytes);
      if (!wav) return { ok: false, failure: t.tooLarge(Math.round(maxBytes / 1024 / 1024)) };
      return isWav(wav) ? { ok: true, wav } : { ok: false, failure: t.notAudio };
    }
  } catch (err) {
    if (signal.aborted) return { ok: false, failure: t.timeout };
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { ok: false, failure: t.network(String(cause)) };
  }
}

/** The body, or null as soon as it grows beyond maxBytes (the attachment limit). */
async function readCapped(res: Response, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) return null; // leaving the loop cancels the stream
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size);
}
