import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';

/** A message as smtp-server received it (dot-stuffing already undone). */
export interface ReceivedMessage {
  from: string;
  to: string[];
  data: Buffer;
  /** Whether the session was upgraded with STARTTLS. */
  secure: boolean;
}

export interface SmtpServerMx {
  port: number;
  messages: ReceivedMessage[];
  /** Every MAIL FROM the server saw, accepted or not. */
  mailFrom: string[];
  close(): Promise<void>;
}

/**
 * A fake MX built on smtp-server, a real SMTP server implementation: it answers the end of data
 * like Postfix (`250 2.0.0 Ok: queued as <queueId>`). STARTTLS is offered only with `tls`.
 */
export async function startSmtpServerMx(options: {
  queueId: string;
  tls?: { key: string; cert: string };
  hideSMTPUTF8?: boolean;
}): Promise<SmtpServerMx> {
  const messages: ReceivedMessage[] = [];
  const mailFrom: string[] = [];
  const server = new SMTPServer({
    banner: 'mx.test ESMTP',
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideSTARTTLS: !options.tls,
    hideSMTPUTF8: options.hideSMTPUTF8 ?? false,
    // Postfix answers with RFC 3463 codes: "250 2.0.0 Ok: queued as …".
    hideENHANCEDSTATUSCODES: false,
    size: 10_240_000,
    ...(options.tls ?? {}),
    logger: false,
    disableReverseLookup: true,
    onMailFrom(address, _session, callback) {
      mailFrom.push(address.address);
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        messages.push({ from, to, data: Buffer.concat(chunks), secure: session.secure });
        callback(null, `Ok: queued as ${options.queueId}`);
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    messages,
    mailFrom,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
