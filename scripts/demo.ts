import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL, startLocalStack } from './stack/local.ts';
import { formatRecord, submitWithSwaks, waitForReceipt, waitForRecord } from './round-trip.ts';

// `make demo`: the main job once, end to end, on a private local stack. Exits 0 when the
// recipient's server accepted the message, the record is readable over GraphQL with that
// server's queued-as reply, and the sender's receipt arrived; non-zero with the reason otherwise.

// Under the system's temporary directory, not the clone: PostgreSQL and Postfix run as their own
// users and must reach their folders, which a private checkout (mode 0700) would not allow.
const dir = join(tmpdir(), `zajoni-demo-${Date.now()}`);

async function demo(): Promise<void> {
  console.log(`starting NATS, PostgreSQL, DNS, Postfix, the API and a relay under ${dir}`);
  const stack = await startLocalStack({ dir });
  try {
    console.log(`submitting ${LOCAL.sender.address} -> ${LOCAL.recipient} with swaks`);
    const queueId = await submitWithSwaks(stack, 'Zajoni demo');
    console.log(`relay queued it as ${queueId}; waiting for delivery`);

    const record = await waitForRecord(stack, queueId);
    console.log(`\nrecord from ${stack.api.graphqlUrl}:\n${formatRecord(record)}\n`);
    const final = record.attempts.at(-1)?.finalReply?.lines.join(' ') ?? '';
    if (record.status.toUpperCase() !== 'DELIVERED' || !/queued as/.test(final)) {
      throw new Error(`the recipient's server did not accept the message (${record.status})`);
    }

    const receipt = await waitForReceipt(stack, queueId);
    const files = receipt.attachments.map((a) => a.filename ?? a.contentType).join(', ');
    console.log(`receipt in ${LOCAL.sender.address}'s mailbox: "${receipt.subject}" (${files})`);
    console.log(`\nround trip complete: ${final}`);
  } finally {
    await stack.stop();
  }
}

demo().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(`logs are under ${dir}`);
    process.exit(1);
  },
);
