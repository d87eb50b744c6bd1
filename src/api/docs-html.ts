import { cs } from '../i18n/cs.js';

/**
 * The human page of the API (GET /api/v1/docs): the OpenAPI document walked on the server into
 * one plain HTML page (no script, no CDN, the portal's stylesheet), so it works under our CSP,
 * by keyboard and with a screen reader.
 */
const d = cs.api.docs;

const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

const anchor = (method: string, path: string) => `${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

/** JSON wrapped within the width (the portal's code.json), so a phone never scrolls the page sideways. */
const json = (value: unknown) => `<pre><code class="json">${esc(JSON.stringify(value, null, 2))}</code></pre>`;

/** A table that may scroll inside its own box, reachable by keyboard (the portal's .table-scroll). */
const scrollTable = (label: string, html: string) => `<div class="table-scroll" tabindex="0" role="region" aria-label="${esc(label)}">${html}</div>`;

function schemaBlock(schema: unknown): string {
  const ref = obj(schema).$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').pop()!;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  return json(schema);
}

function parametersTable(parameters: unknown[]): string {
  if (!parameters.length) return '';
  const rows = parameters
    .map(obj)
    .map(
      (p) =>
        `<tr><th scope="row"><code>${esc(p.name)}</code></th><td>${esc(p.in)}</td><td>${p.required ? d.yes : d.no}</td>` +
        `<td>${esc(obj(p.schema).description ?? p.description ?? '')}${obj(p.schema).example !== undefined ? ` <small>(${d.example}: <code>${esc(obj(p.schema).example)}</code>)</small>` : ''}</td></tr>`,
    )
    .join('');
  return `<h4>${d.parameters}</h4>${scrollTable(d.parameters, `<table><thead><tr><th scope="col">${d.name}</th><th scope="col">${d.where}</th><th scope="col">${d.required}</th><th scope="col">${d.description}</th></tr></thead><tbody>${rows}</tbody></table>`)}`;
}

function operationSection(method: string, path: string, op: Json): string {
  const body = obj(obj(obj(op.requestBody).content)['application/json']);
  const responses = Object.entries(obj(op.responses))
    .map(([status, r]) => {
      const content = Object.entries(obj(obj(r).content));
      const shapes = content.map(([type, media]) => `<code>${esc(type)}</code> ${schemaBlock(obj(media).schema)}`).join('<br>');
      return `<tr><th scope="row">${esc(status)}</th><td>${esc(obj(r).description)}</td><td>${shapes}</td></tr>`;
    })
    .join('');
  const secured = Array.isArray(op.security) && op.security.length === 0 ? ` <small>(${d.noToken})</small>` : '';
  return `<section aria-labelledby="${anchor(method, path)}">
<h3 id="${anchor(method, path)}"><code>${esc(method.toUpperCase())} ${esc(path)}</code>${secured}</h3>
<p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${parametersTable(Array.isArray(op.parameters) ? op.parameters : [])}
${body.schema ? `<h4>${d.body}</h4>${schemaBlock(body.schema)}${body.example ? `<p>${d.example}:</p>${json(body.example)}` : ''}` : ''}
<h4>${d.responses}</h4>
${scrollTable(`${d.responses} ${method.toUpperCase()} ${path}`, `<table><thead><tr><th scope="col">${d.status}</th><th scope="col">${d.description}</th><th scope="col">${d.responseBody}</th></tr></thead><tbody>${responses}</tbody></table>`)}
</section>`;
}

export function docsHtml(document: unknown): string {
  const doc = obj(document);
  const operations = Object.entries(obj(doc.paths)).flatMap(([path, item]) => Object.entries(obj(item)).map(([method, op]) => ({ path, method, op: obj(op) })));
  const schemas = Object.entries(obj(obj(doc.components).schemas));
  return `<!doctype html>
<html lang="cs">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)} – ${esc(cs.app)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
</head>
<body>
<a class="skip-link" href="#obsah">${esc(cs.nav.skipToContent)}</a>
<header class="top"><a class="brand" href="/">${esc(cs.vendor)} <span>${esc(cs.app)}</span></a></header>
<main id="obsah" class="api-docs">
<h1>${esc(d.title)}</h1>
<p>${esc(d.intro)}</p>
<p><a href="/api/v1/openapi.json">${esc(d.document)}</a></p>
<nav aria-labelledby="api-contents"><h2 id="api-contents">${esc(d.contents)}</h2><ul>
${operations.map(({ path, method, op }) => `<li><a href="#${anchor(method, path)}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a> – ${esc(op.summary)}</li>`).join('\n')}
</ul></nav>
${operations.map(({ path, method, op }) => operationSection(method, path, op)).join('\n')}
<h2>${esc(d.schemas)}</h2>
${schemas.map(([name, schema]) => `<section aria-labelledby="schema-${esc(name)}"><h3 id="schema-${esc(name)}">${esc(name)}</h3>${json(schema)}</section>`).join('\n')}
</main>
</body>
</html>
`;
}
