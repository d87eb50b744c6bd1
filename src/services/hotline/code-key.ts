import { sharedSecret } from '../../db/secrets.js';
import type { ServiceContext } from '../context.js';

/** The codes' hash key: HOTLINE_CODE_KEY, else a secret generated once and kept like the session secret. */
export async function hotlineCodeKey(ctx: Pick<ServiceContext, 'db'> & { hotline: Pick<ServiceContext['hotline'], 'codeKey'> }): Promise<string> {
  return ctx.hotline.codeKey ?? sharedSecret(ctx.db, 'hotline_code_key');
}
