import type { ServiceContext } from '../services/context.js';
import type { Reads } from '../services/reads/pools.js';

/**
 * What the routes need: the use cases' context and the pool of the page reads (`reads`, with
 * generic plans; see services/reads/pools.ts). Routes pass the whole context to the reads of
 * services/reads, each of which picks its pool; they never choose between `db` and `reads`.
 */
export interface WebContext extends ServiceContext, Reads {}
