import SMTPConnection from 'nodemailer/lib/smtp-connection';

/** A failed SMTP step: the reply code and whole reply line the server gave. */
export interface SmtpFailure {
  responseCode: number | undefined;
  response: string | undefined;
  code: string | undefined;
}

export interface ClientOptions {
  port: number;
  /** Implicit TLS (port 465 style). */
  secure?: boolean;
  /** Skip STARTTLS even when offered. */
  ignoreTLS?: boolean;
}

/** A mail client for tests, over nodemailer's SMTP connection (a real SMTP client). */
export async function openClient(options: ClientOptions) {
  const conn = new SMTPConnection({
    host: '127.0.0.1',
    port: options.port,
    secure: options.secure ?? false,
    ignoreTLS: options.ignoreTLS ?? false,
    requireTLS: !(options.ignoreTLS ?? false) && !(options.secure ?? false),
    name: 'client.test',
    tls: { rejectUnauthorized: false },
  });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => {
      conn.off('error', reject);
      resolve();
    });
  });
  conn.on('error', () => undefined);
  return {
    login(user: string, pass: string) {
      return new Promise<void>((resolve, reject) =>
        conn.login({ user, pass }, (error) => (error ? reject(error) : resolve())),
      );
    },
    send(from: string, to: string[], message: string | Buffer) {
      return new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        conn.send({ from, to }, message, (error, info) => (error ? reject(error) : resolve(info))),
      );
    },
    close() {
      conn.quit();
      conn.close();
    },
  };
}

/** Runs `step` and returns the SMTP failure it ended with; throws if it succeeded. */
export async function failureOf(step: () => Promise<unknown>): Promise<SmtpFailure> {
  try {
    await step();
  } catch (error) {
    const e = error as Partial<SmtpFailure>;
    return { responseCode: e.responseCode, response: e.response, code: e.code };
  }
  throw new Error('expected the server to refuse, but it accepted');
}

/** A small RFC 5322 message. */
export function sampleMessage(from: string, to: string, subject: string, body = 'Hello.'): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@client.test>`,
    `Date: ${new Date().toUTCString()}`,
    '',
    body,
    '',
  ].join('\r\n');
}
