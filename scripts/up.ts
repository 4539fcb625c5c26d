import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '#shared';
import { createPool, registerTenant } from '../api/src/index.ts';
import { LOCAL, startLocalStack } from './stack/local.ts';

// `make up`: the demo's stack, kept running until Ctrl-C, with fixed ports so a mail client can
// be pointed at it. Mail to any address at recipient.test or sender.test lands in Postfix's
// mailboxes under <tmp>/zajoni-up/postfix/mail (outside the clone: see demo.ts).

const dir = join(tmpdir(), 'zajoni-up');
const stack = await startLocalStack({
  dir,
  submissionPort: Number(process.env.SUBMISSION_PORT ?? 2587),
  submissionsPort: Number(process.env.SUBMISSIONS_PORT ?? 2465),
  apiPort: Number(process.env.API_PORT ?? 4000),
});
// Open sign-up for the sender domain, so a person can make an account from GraphiQL. Registering
// is idempotent: a restarted `make up` finds the same settings.
const pool = createPool(stack.postgres.url, createLogger('zajoni-up', 'warn'));
await registerTenant(pool, {
  id: LOCAL.tenant,
  displayName: 'Zajoni demo',
  signUp: 'open',
  confirmationsDefault: true,
  retentionDays: 90,
  senderDomains: [LOCAL.senderDomain],
});
await pool.end();
const { settings } = stack.relay;
console.log(`Zajoni is running (logs and data under ${dir}).

Mail client settings (outgoing server):
  server         127.0.0.1
  port           ${settings.submissionPort} with STARTTLS, or ${settings.submissionsPort} with SSL/TLS
  authentication normal password (PLAIN or LOGIN)
  username       ${LOCAL.sender.address}
  password       ${LOCAL.sender.password}
  certificate    self-signed for ${settings.hostName}: accept it once

Send to any address @${LOCAL.recipientDomain}. Web console: ${stack.api.url}/ (sign in as above,
or sign up as anyone@${LOCAL.senderDomain}). Records: ${stack.api.graphqlUrl}
(HTTP Basic auth with the same username and password, or sign up there in GraphiQL as
anyone@${LOCAL.senderDomain} in tenant ${LOCAL.tenant}). Database: ${stack.postgres.url}
Ctrl-C stops everything.`);

// Ctrl-C in a terminal signals the whole process group, and impatient users press it twice:
// every signal after the first is ignored until the stack has stopped.
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
