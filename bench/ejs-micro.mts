import ejs from 'ejs';
import path from 'node:path';
import { cs } from '../src/i18n/cs.js';
import { viewHelpers } from '../src/web/format.js';
import { slaHelpers } from '../src/web/sla-format.js';
const root = path.resolve('views');
const rows = Array.from({ length: 50 }, (_, i) => ({ number: 1090000 + i, created_at: new Date(), resolved_at: null, closed_at: null, subject: `Nefunkční tisk v kanceláři ${i} <b>`, state: 'accepted', assignee_name: 'Řešitel 3' }));
const data = { t: cs, h: { ...viewHelpers, ...slaHelpers }, user: { name: 'Bench', role: 'customer' }, staff: false, csrfToken: 'x'.repeat(40), list: 'current', dateColumn: 'created', result: { rows, page: 1, pages: 6, total: 262 }, search: '', searchError: null };
async function run(label: string, opts: ejs.Options) {
  const file = path.join(root, 'overview.ejs');
  const o = { ...opts, root, cache: true, filename: file };
  ejs.clearCache();
  let html = '';
  for (let i = 0; i < 2000; i++) html = await ejs.renderFile(file, data, o);
  const t = performance.now();
  const N = 20000;
  for (let i = 0; i < N; i++) html = await ejs.renderFile(file, data, o);
  console.log(label, ((performance.now() - t) / N * 1000).toFixed(1), 'µs', html.length);
}
await run('default', {});
await run('compileDebug false', { compileDebug: false });
await run('strict+destructured', { compileDebug: false, strict: true, destructuredLocals: ['t', 'h', 'user', 'staff', 'csrfToken', 'list', 'dateColumn', 'result', 'search', 'searchError', 'title', 'base'] });
await run('rmWhitespace', { compileDebug: false, rmWhitespace: true });
