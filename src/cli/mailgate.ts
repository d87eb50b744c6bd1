/**
 * `npm run --silent mailgate < message.eml`: the e-mail ingestion on one message from standard
 * input (an MTA pipe or a re-import). The last line printed is one JSON object of what it did.
 * Exit 0 whenever the message was handled as the rules say; 1 when it could not be (it is then
 * recorded for a retry, as from IMAP).
 */
import { openRuntime } from '../bootstrap.js';
import { loadConfig } from '../config.js';
import { ingestMail, recordMailFailure } from '../services/mail/ingest.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const raw = await readStdin();
if (raw.length === 0) {
  console.error('error: no message on standard input');
  process.exit(2);
}
const runtime = await openRuntime(loadConfig());
let code = 0;
try {
  const result = await ingestMail(runtime.ctx, raw, { mailbox: null, size: raw.length });
  console.log(JSON.stringify(result));
} catch (e) {
  code = 1;
  const failure = await recordMailFailure(runtime.ctx, raw, { mailbox: null, size: raw.length }, e).catch(() => null);
  console.error(`error: ${(e as Error).message ?? e}`);
  console.log(JSON.stringify({ outcome: failure?.quarantined ? 'quarantine' : 'failed', reason: String((e as Error).message ?? e) }));
} finally {
  await runtime.close();
}
process.exit(code);
