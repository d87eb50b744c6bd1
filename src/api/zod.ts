import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi(...)` on every zod schema: the API's schemas carry their names, descriptions and
// examples into the generated document. Route modules import z from here, so the extension is
// in place before any schema is built.
extendZodWithOpenApi(z);

export { z };
