import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { LOCAL, type LocalStack } from './stack/local.ts';
import { graphql } from './stack/zajoni.ts';

const run = promisify(execFile);

/** The fields of a message record the demo and the end-to-end tests read. */
export const MESSAGE_QUERY = /* GraphQL */ `
  query Message($queueId: ID!) {
    message(queueId: $queueId) {
      queueId
      sender
      subject
      size
      sha256
      status
      recipients {
        address
        status
        remoteQueueId
        lastReply {
          code
          enhanced
          lines
        }
      }
      attempts {
        attemptId
        domain
        attempt
        hostIndex
        startedAt
        outcome
        remoteQueueId
        mx {
          host
          ip
          port
          preference
        }
        tls {
          version
          cipher
          verified
          peerSubject
          fingerprint256
        }
        finalReply {
          code
          enhanced
          lines
        }
        steps {
          kind
          at
          offsetMs
          elapsedMs
          command
          reply {
            code
            enhanced
            lines
          }
          note
        }
      }
    }
  }
`;

export interface MessageRecord {
  queueId: string;
  sender: string;
  subject: string | null;
  size: number;
  sha256: string;
  status: string;
  recipients: {
    address: string;
    status: string;
    remoteQueueId: string | null;
    lastReply: { code: number; lines: string[] } | null;
  }[];
  attempts: {
    attemptId: string;
    outcome: string;
    remoteQueueId: string | null;
    mx: { host: string; ip: string | null; port: number } | null;
    tls: { version: string | null; cipher: string | null; verified: boolean } | null;
    finalReply: { code: number; lines: string[] } | null;
    steps: {
      kind: string;
      at: string;
      elapsedMs: number;
      command: string | null;
      reply: { code: number; lines: string[] } | null;
      note: string | null;
    }[];
  }[];
}

/**
 * Submits one message with swaks (a real SMTP client) over STARTTLS with AUTH PLAIN, as `sender`
 * (default the demo account).
 */
export async function submitWithSwaks(
  stack: LocalStack,
  subject: string,
  sender: { address: string; password: string } = LOCAL.sender,
): Promise<string> {
  const { address, password } = sender;
  const args = [
    '--server',
    '127.0.0.1',
    '--port',
    String(stack.relay.settings.submissionPort),
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    address,
    '--auth-password',
    password,
    '--from',
    address,
    '--to',
    LOCAL.recipient,
    '--header',
    `Subject: ${subject}`,
    '--body',
    'Sent through Zajoni; the receipt proves the recipient server took it.',
  ];
  const { stdout } = await run('swaks', args).catch((error: unknown) => {
    const out = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`swaks failed:\n${out}`, { cause: error });
  });
  const queueId = /^\s*<~?\s+250 .*queued as (\S+)/m.exec(stdout)?.[1];
  if (!queueId) throw new Error(`the relay did not queue the message; swaks said:\n${stdout}`);
  return queueId;
}

/** Polls the API until the message's delivery is recorded as decided. */
export async function waitForRecord(
  stack: LocalStack,
  queueId: string,
  timeoutMs = 60_000,
): Promise<MessageRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: MessageRecord | null = null;
  while (Date.now() < deadline) {
    const data = await graphql<{ message: MessageRecord | null }>(
      stack.api.graphqlUrl,
      LOCAL.sender,
      MESSAGE_QUERY,
      { queueId },
    );
    last = data.message;
    const final = (status: string) => ['DELIVERED', 'BOUNCED'].includes(status.toUpperCase());
    if (last && last.recipients.every((r) => final(r.status))) {
      return last;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `no final record of ${queueId} within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
  );
}

/** Waits for the receipt about `queueId` in the sender's mailbox and parses it. */
export async function waitForReceipt(stack: LocalStack, queueId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const raw of await stack.postfix.readMailbox(LOCAL.sender.address)) {
      const mail = await simpleParser(raw);
      if (mail.text?.includes(queueId)) return mail;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no receipt for ${queueId} reached ${LOCAL.sender.address}`);
}

/** The record as a person reads it: outcome, the server's own words, then the conversation. */
export function formatRecord(record: MessageRecord): string {
  const lines = [
    `message ${record.queueId}  status ${record.status}  ${record.size} octets`,
    `  sha256 ${record.sha256}`,
  ];
  for (const r of record.recipients) {
    lines.push(`  ${r.address}: ${r.status}, remote queue id ${r.remoteQueueId ?? '-'}`);
    for (const l of r.lastReply?.lines ?? []) lines.push(`    ${l}`);
  }
  for (const a of record.attempts) {
    const via = a.mx ? `${a.mx.host} [${a.mx.ip ?? '?'}]:${a.mx.port}` : 'no connection';
    const tls = a.tls ? `${a.tls.version} ${a.tls.cipher} verified=${a.tls.verified}` : 'none';
    lines.push(`  attempt ${a.attemptId} via ${via}, TLS ${tls}: ${a.outcome}`);
    for (const s of a.steps) {
      if (s.command) lines.push(`    C: ${s.command}`);
      for (const l of s.reply?.lines ?? []) lines.push(`    S: ${l}`);
      if (s.note && !s.command && !s.reply) lines.push(`    -- ${s.note}`);
    }
  }
  return lines.join('\n');
}
