import { connect, type Socket } from 'node:net';
import { nowMs } from './stats.ts';

/** One SMTP reply: its code and every line's text. */
interface Reply {
  readonly code: number;
  readonly text: string;
}

/** Reads whole SMTP replies (RFC 5321 section 4.2: the last line has a space after the code). */
class ReplyReader {
  private buffered = '';
  private waiting: ((reply: Reply) => void) | undefined;
  private failed: Error | undefined;
  private failWaiter: ((error: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('latin1');
      this.deliver();
    });
    const fail = (error: Error) => {
      this.failed = error;
      this.failWaiter?.(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  read(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.failed && !this.complete()) return reject(this.failed);
      this.waiting = resolve;
      this.failWaiter = reject;
      this.deliver();
    });
  }

  private complete(): RegExpExecArray | null {
    return /^(\d{3}) [^\n]*\n/m.exec(this.buffered);
  }

  private deliver(): void {
    if (!this.waiting) return;
    const last = this.complete();
    if (!last) return;
    const end = last.index + last[0].length;
    const text = this.buffered.slice(0, end);
    this.buffered = this.buffered.slice(end);
    const resolve = this.waiting;
    this.waiting = undefined;
    this.failWaiter = undefined;
    resolve({ code: Number(last[1]), text });
  }
}

/** Who a session sends as; `password` set means AUTH PLAIN before MAIL. */
export interface Sender {
  readonly address: string;
  readonly password?: string;
}

export interface LoadOptions {
  readonly port: number;
  /** Messages in all. */
  readonly messages: number;
  /** Sessions open at once. */
  readonly concurrency: number;
  /** Approximate size of each message, in octets. */
  readonly size: number;
  /** Messages sent in one session before QUIT. Default 1, as a mail client does. */
  readonly perSession?: number;
  /** The sender of worker `i` (0 .. concurrency-1). */
  readonly sender: (worker: number) => Sender;
  /** Recipient domain; each message goes to a different local part. */
  readonly recipientDomain: string;
  /** Prefix of the X-Bench-Id header values, unique to the run. */
  readonly runId: string;
}

/** What happened to one message on the submission side. */
export interface Submission {
  readonly id: string;
  /** When the session for it was opened (or the previous message ended), wall-clock ms. */
  readonly startedAt: number;
  /** When the last octet of DATA was written. */
  readonly sentAt: number;
  /** When the server's reply to the end of data arrived. */
  readonly repliedAt: number;
  readonly accepted: boolean;
  readonly reply: string;
}

export interface LoadResult {
  readonly submissions: Submission[];
  readonly startedAt: number;
  readonly endedAt: number;
  /** Sessions that failed before a message's end-of-data reply, with the error. */
  readonly errors: string[];
}

const TIMEOUT_MS = 120_000;

/**
 * The benchmark's load generator: raw-socket SMTP without pipelining or TLS, the same for both
 * systems. `concurrency` workers each open a session, send `perSession` messages, QUIT, and
 * start over until all `messages` are taken.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const body = messageBody(options.size);
  const submissions: Submission[] = [];
  const errors: string[] = [];
  let next = 0;
  const take = () => (next < options.messages ? next++ : undefined);
  const startedAt = nowMs();
  const worker = async (w: number) => {
    for (;;) {
      const first = take();
      if (first === undefined) return;
      try {
        await runSession(options, w, first, take, body, submissions);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  return { submissions, startedAt, endedAt: nowMs(), errors };
}

async function runSession(
  options: LoadOptions,
  worker: number,
  first: number,
  take: () => number | undefined,
  body: Buffer,
  out: Submission[],
): Promise<void> {
  const sender = options.sender(worker);
  let startedAt = nowMs();
  const session = await openSession(options.port, sender);
  try {
    let n: number | undefined = first;
    for (let i = 0; n !== undefined; i++) {
      const id = `${options.runId}-${n}`;
      const to = `r${n}@${options.recipientDomain}`;
      const result = await sendMessage(session, sender.address, to, id, body);
      out.push({ id, startedAt, ...result });
      startedAt = nowMs();
      n = i + 1 < (options.perSession ?? 1) ? take() : undefined;
    }
    session.socket.write('QUIT\r\n');
    await session.reader.read().catch(() => undefined);
  } finally {
    session.socket.destroy();
  }
}

interface Session {
  readonly socket: Socket;
  readonly reader: ReplyReader;
  command(line: string, expect: number): Promise<Reply>;
}

/** Connects, reads the greeting, says EHLO and, with a password, authenticates (AUTH PLAIN). */
export async function openSession(port: number, sender: Sender): Promise<Session> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
  const reader = new ReplyReader(socket);
  const command = async (line: string, expect: number) => {
    if (line) socket.write(`${line}\r\n`);
    const reply = await reader.read();
    if (reply.code !== expect) throw new Error(`${line || 'greeting'}: ${reply.text.trim()}`);
    return reply;
  };
  const session = { socket, reader, command };
  try {
    await command('', 220);
    await command('EHLO load.bench.test', 250);
    if (sender.password !== undefined) {
      const token = Buffer.from(`\0${sender.address}\0${sender.password}`).toString('base64');
      await command(`AUTH PLAIN ${token}`, 235);
    }
    return session;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

async function sendMessage(
  session: Session,
  from: string,
  to: string,
  id: string,
  body: Buffer,
): Promise<Omit<Submission, 'id' | 'startedAt'>> {
  await session.command(`MAIL FROM:<${from}>`, 250);
  await session.command(`RCPT TO:<${to}>`, 250);
  await session.command('DATA', 354);
  session.socket.write(headers(from, to, id));
  session.socket.write(body);
  const sentAt = nowMs();
  const reply = await session.reader.read();
  return { sentAt, repliedAt: nowMs(), accepted: reply.code === 250, reply: reply.text.trim() };
}

function headers(from: string, to: string, id: string): string {
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: benchmark ${id}`,
    `Message-ID: <${id}@load.bench.test>`,
    `Date: ${new Date().toUTCString()}`,
    `X-Bench-Id: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    '',
  ].join('\r\n');
}

/** A body of 76-character lines (none starts with a dot), ending with the end-of-data line. */
function messageBody(size: number): Buffer {
  const line = `${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, 76)}\r\n`;
  const lines = Math.max(1, Math.round((size - 300) / line.length));
  return Buffer.from(`${line.repeat(lines)}.\r\n`, 'latin1');
}
