import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HotlineSettings } from '../../src/services/context.js';
import { downloadRecording } from '../../src/services/hotline/recording-download.js';
import { type RecordingServer, sha256, startRecordingServer } from './support.js';

const TOKEN = 'download-test-token-0123456789';
const ACCOUNT = 'AC99999999999999999999999999999999';
let store: RecordingServer;
let elsewhere: RecordingServer;
let settings: HotlineSettings;

beforeAll(async () => {
  store = await startRecordingServer(ACCOUNT, TOKEN);
  elsewhere = await startRecordingServer(ACCOUNT, TOKEN);
  settings = { authToken: TOKEN, accountSid: ACCOUNT, recordingHosts: [store.host], codeKey: null };
});
afterAll(async () => {
  await store.close();
  await elsewhere.close();
});

describe('downloading a recording', () => {
  it('fetches RecordingUrl.wav with the account’s basic auth', async () => {
    const got = await downloadRecording(settings, store.urlOf('RE1'), 10 * 1024 * 1024);
    expect(got.ok && sha256(got.wav)).toBe(sha256(store.wav));
    expect(store.requests.at(-1)).toEqual({ path: `/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE1.wav`, authorised: true });
  });

  it('sends no credentials without the account SID (and the store refuses)', async () => {
    const got = await downloadRecording({ ...settings, accountSid: null }, store.urlOf('RE2'), 10 * 1024 * 1024);
    expect(got).toEqual({ ok: false, failure: 'server s nahrávkou odpověděl stavem 401' });
    expect(store.requests.at(-1)?.authorised).toBe(false);
  });

  it('stops at the size cap', async () => {
    const got = await downloadRecording(settings, store.urlOf('RE3'), 1000);
    expect(got).toEqual({ ok: false, failure: 'nahrávka je větší než 0 MiB' });
  });

  it('follows no redirect to a host that is not listed', async () => {
    store.serve.set(`/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE4.wav`, { status: 302, body: Buffer.alloc(0), headers: { location: `${elsewhere.urlOf('RE4')}.wav` } });
    const got = await downloadRecording(settings, store.urlOf('RE4'), 10 * 1024 * 1024);
    expect(got.ok).toBe(false);
    expect(elsewhere.requests).toEqual([]);
  });

  it('follows a redirect to a listed host, without the credentials when the host changes', async () => {
    store.serve.set(`/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE5.wav`, { status: 302, body: Buffer.alloc(0), headers: { location: `${elsewhere.urlOf('RE5')}.wav` } });
    const got = await downloadRecording({ ...settings, recordingHosts: [store.host, elsewhere.host] }, store.urlOf('RE5'), 10 * 1024 * 1024);
    // the second host asks for credentials it was not given
    expect(got).toEqual({ ok: false, failure: 'server s nahrávkou odpověděl stavem 401' });
    expect(elsewhere.requests).toEqual([{ path: `/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE5.wav`, authorised: false }]);
  });

  it('reports an unreachable store without throwing', async () => {
    const closed = await startRecordingServer(ACCOUNT, TOKEN);
    const url = closed.urlOf('RE6');
    await closed.close();
    const got = await downloadRecording({ ...settings, recordingHosts: [new URL(url).host] }, url, 10 * 1024 * 1024);
    expect(got.ok).toBe(false);
    expect(!got.ok && got.failure).toMatch(/^nahrávku se nepodařilo stáhnout: /);
  });
});
