import type { Express } from 'express';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http-app.js';
import type { TestDatabase } from './db.js';
import { PASSWORD } from './world.js';

export function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({ NODE_ENV: 'test', SEED_DEMO: 'false', LOGIN_RATE_LIMIT: '1000', LOGIN_ADDRESS_LIMIT: '1000', ...overrides });
}

export function buildApp(tdb: TestDatabase, overrides: Record<string, string> = {}) {
  return createHttpApp(tdb.ctx, testConfig(overrides), 'test-session-secret-0123456789', tdb.url);
}

export type Agent = ReturnType<typeof request.agent>;

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF token on the page');
  return m[1];
}

export interface Session {
  agent: Agent;
  csrf: string;
}

/** Signs in through the login form, as a browser does, and keeps the session's CSRF token. */
export async function login(app: Express, loginName: string, password = PASSWORD): Promise<Session> {
  const agent = request.agent(app);
  const page = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: loginName, password, next: '/' });
  if (res.status !== 302) throw new Error(`login of ${loginName} failed: ${res.status}`);
  const home = await agent.get('/account/password');
  return { agent, csrf: csrfFrom(home.text) };
}

/** The text of an HTML page without tags, whitespace collapsed: what a reader sees. */
export function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
