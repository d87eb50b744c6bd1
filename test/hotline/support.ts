import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/** A real PCM WAV (8 kHz, 16-bit mono) of a tone, `seconds` long: what the provider's `.wav` download gives. */
export function wavBytes(seconds = 1, hz = 440): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface RecordingServer {
  /** host:port, for HOTLINE_RECORDING_HOSTS */
  host: string;
  /** the RecordingUrl of recording `sid` (without .wav, as the provider sends it) */
  urlOf(sid: string): string;
  /** every request it got: path and whether the basic auth was right */
  requests: { path: string; authorised: boolean }[];
  /** what it serves for each path (default: `wav`) */
  serve: Map<string, { status: number; body: Buffer; type?: string; headers?: Record<string, string> }>;
  wav: Buffer;
  close(): Promise<void>;
}

/** The provider's recording store on 127.0.0.1 (random port): `<sid>.wav` with basic auth accountSid/authToken. */
export async function startRecordingServer(accountSid: string, authToken: string, wav = wavBytes(1.5)): Promise<RecordingServer> {
  const requests: RecordingServer['requests'] = [];
  const serve: RecordingServer['serve'] = new Map();
  const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const authorised = req.headers.authorization === expected;
    requests.push({ path: req.url ?? '', authorised });
    if (!authorised) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="recordings"' }).end();
      return;
    }
    const special = serve.get(req.url ?? '');
    if (special) {
      res.writeHead(special.status, { 'content-type': special.type ?? 'audio/x-wav', ...special.headers }).end(special.body);
      return;
    }
    if (!/^\/2010-04-01\/Accounts\/\w+\/Recordings\/\w+\.wav$/.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/x-wav', 'content-length': wav.length }).end(wav);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    urlOf: (sid) => `http://${host}/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`,
    requests,
    serve,
    wav,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The provider's signature of a webhook, by the provider's own library. */
export function providerSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** A call as the provider would drive it: its CallSid, From and To on every webhook. */
export function callParams(callSid: string, from = '+420602123456', to = '+420533442988') {
  return { CallSid: callSid, AccountSid: 'AC00000000000000000000000000000000', From: from, To: to, CallStatus: 'in-progress', Direction: 'inbound', ApiVersion: '2010-04-01' };
}
