import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { describe, expect, it } from 'vitest';
import { freeNamesOf, viewLocals } from '../../src/web/view-locals.js';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

describe('view locals (EJS without `with`)', () => {
  it('finds the names a view reads and skips what it declares, properties, strings and JavaScript globals', () => {
    const names = freeNamesOf(
      `<% const url = '/tickets/' + ticket.number; %><a href="<%= url %>"><%= t.states[ticket.state] %></a>
       <% for (const [code, label] of Object.entries(items)) { %><%= label %> '<%= "quoted name" %>'<% } %>
       <%# commented %><%= list.map((row) => row.subject).join(String(sep)) %>`,
    );
    expect([...names].sort()).toEqual(['items', 'list', 'sep', 't', 'ticket']);
  });

  it('lists the locals every view uses, the ones passed to includes among them', () => {
    const locals = viewLocals(VIEWS);
    expect(locals).toEqual(expect.arrayContaining(['t', 'h', 'user', 'csrfToken', 'ticket', 'result', 'title', 'base', 'name']));
    expect(locals).not.toContain('String');
    expect(locals).not.toContain('row');
  });

  it('compiles every view in strict mode with that list (a view constant may not shadow a local)', () => {
    const locals = viewLocals(VIEWS);
    const files = readdirSync(VIEWS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ejs'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const filename = path.join(VIEWS, file);
      expect(() => ejs.compile(readFileSync(filename, 'utf8'), { filename, root: VIEWS, strict: true, destructuredLocals: locals }), file).not.toThrow();
    }
  });
});
