/** Signing in to the portal as a browser does: the login form's CSRF token, then the form posted with the cookies. */

/** The cookies a browser would send back: the session and the CSRF cookie. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const m = /^([^=;]+)=([^;]*)/.exec(c);
      if (m) this.cookies.set(m[1]!, m[2]!);
    }
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A form's CSRF token in a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1]!;
}

/** The cookies of a signed-in session (the CSRF token is bound to it: the next page gives one). */
export async function signIn(base: string, login: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const r1 = await fetch(`${base}/login`, { redirect: 'manual' });
  jar.take(r1);
  const csrf = csrfFrom(await r1.text());
  if (jar.get('hd.sid')) throw new Error('GET /login stored a session for an anonymous visitor');
  const r2 = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password, _csrf: csrf }).toString(),
  });
  await r2.text();
  if (r2.status !== 302) throw new Error(`POST /login answered ${r2.status}, expected 302`);
  jar.take(r2);
  if (!jar.get('hd.sid')) throw new Error('no session cookie after sign-in');
  return jar;
}

/**
 * Signs in and loads `page` as a browser would after it: the session's cookies, and the CSRF
 * token bound to the new session, which comes with that first page.
 */
export async function signedInSession(base: string, login: string, password: string, page = '/tickets'): Promise<{ cookie: string; csrf: string }> {
  const jar = await signIn(base, login, password);
  const res = await fetch(`${base}${page}`, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(res);
  const html = await res.text();
  if (res.status !== 200) throw new Error(`GET ${page} after sign-in answered ${res.status}`);
  return { cookie: jar.header(), csrf: csrfFrom(html) };
}
