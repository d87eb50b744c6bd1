import { describe, expect, it } from 'vitest';
import { allowedRecordingUrl, isWav } from '../../src/services/hotline/recording-download.js';
import { hoursSentence } from '../../src/services/hotline/hours.js';
import { wavBytes } from './support.js';

describe('which recording URLs may be fetched', () => {
  const hosts = ['api.twilio.com', '127.0.0.1:4010'];
  it('only http(s) on a listed host (with the port as listed or the scheme’s own; a host listed without a port on any)', () => {
    expect(allowedRecordingUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav', hosts)?.host).toBe('api.twilio.com');
    expect(allowedRecordingUrl('https://API.Twilio.com:443/x.wav', hosts)).not.toBeNull();
    expect(allowedRecordingUrl('https://api.twilio.com:8443/x.wav', hosts)).not.toBeNull();
    expect(allowedRecordingUrl('http://localhost:45678/x.wav', ['localhost'])).not.toBeNull();
    expect(allowedRecordingUrl('http://127.0.0.1:4010/x.wav', hosts)).not.toBeNull();
    for (const refused of [
      'http://127.0.0.1:4011/x.wav',
      'http://127.0.0.1/x.wav',
      'https://api.twilio.com.evil.example/x.wav',
      'https://evil.example/api.twilio.com/x.wav',
      'https://user:pass@api.twilio.com/x.wav',
      'file:///etc/passwd',
      'ftp://api.twilio.com/x.wav',
      'http://169.254.169.254/latest/meta-data',
      'not a url',
    ]) expect(allowedRecordingUrl(refused, hosts), refused).toBeNull();
  });

  it('knows a WAV by its RIFF/WAVE header', () => {
    expect(isWav(wavBytes(0.1))).toBe(true);
    expect(isWav(Buffer.from('<html></html>'))).toBe(false);
    expect(isWav(Buffer.from('RIFF'))).toBe(false);
  });
});

describe('the hotline hours as the caller hears them', () => {
  const day = (w: [string, string][]) => w;
  const week = (mon: [string, string][], sat: [string, string][] = [], sun: [string, string][] = []) => ({ mon, tue: mon, wed: mon, thu: mon, fri: mon, sat, sun });
  it('working days, every day, single days and several windows', () => {
    expect(hoursSentence(week(day([['08:00', '16:00']])))).toBe('v pracovní dny od 8:00 do 16:00');
    expect(hoursSentence(week([['00:00', '24:00']], [['00:00', '24:00']], [['00:00', '24:00']]))).toBe('denně od 0:00 do 24:00');
    expect(hoursSentence(week([['07:30', '12:00'], ['13:00', '17:00']], [['09:00', '12:00']]))).toBe(
      'v pracovní dny od 7:30 do 12:00 a od 13:00 do 17:00, v sobotu od 9:00 do 12:00',
    );
    expect(hoursSentence({ mon: [], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [], sat: [], sun: [] })).toBe(
      'od úterý do čtvrtka od 8:00 do 16:00',
    );
    expect(hoursSentence(week([]))).toBeNull();
  });
});
