import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One SMTP reply: its code and every line, as the server wrote them. */
export interface RawReply {
  code: number;
  lines: string[];
}

/**
 * An SMTP client that writes exactly the bytes a test gives it, for inputs no real client
 * produces: bare CR/LF, smuggled end-of-data sequences, injected parameters, resets.
 */
export interface RawSmtp {
  /** The greeting, read at connect. */
  readonly greeting: RawReply;
  /** Writes `bytes` as is. */
  write(bytes: string | Buffer): void;
  /** Writes one command line (CRLF added) and reads its reply. */
  command(line: string): Promise<RawReply>;
  /** Reads the next reply. */
  reply(): Promise<RawReply>;
  /** EHLO, then AUTH PLAIN with `user`/`password`; throws unless both succeed. */
  login(user: string, password: string): Promise<void>;
  /** Sends a TCP RST (SO_LINGER 0) instead of a FIN. */
  reset(): void;
  close(): void;
  readonly socket: Socket;
}

export interface RawOptions {
  port: number;
  /** Implicit TLS (port 465 style); raw bytes still go unchanged inside TLS. */
  tls?: boolean;
}

export async function openRaw(options: RawOptions): Promise<RawSmtp> {
  // TLS runs over a TCP socket of our own, so that reset() can abort that socket (a TLS socket
  // has no handle to reset).
  const tcp = tcpConnect(options.port, '127.0.0.1');
  const socket: Socket = options.tls
    ? tlsConnect({ socket: tcp, servername: 'relay.zajoni.test', rejectUnauthorized: false })
    : tcp;
  tcp.setNoDelay(true);
  tcp.on('error', () => undefined);
  let buffer = '';
  const waiting: ((reply: RawReply | Error) => void)[] = [];
  const ready: (RawReply | Error)[] = [];
  const deliver = (value: RawReply | Error) => {
    const next = waiting.shift();
    if (next) next(value);
    else ready.push(value);
  };
  let lines: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let eol: number;
    while ((eol = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      lines.push(line);
      // RFC 5321 section 4.2.1: "code-" continues a reply, "code " ends it.
      if (line[3] !== '-') {
        deliver({ code: Number(line.slice(0, 3)), lines });
        lines = [];
      }
    }
  });
  socket.on('error', (error) => deliver(error));
  socket.on('close', () => deliver(new Error('connection closed')));
  const reply = () =>
    new Promise<RawReply>((resolve, reject) => {
      const settle = (value: RawReply | Error) =>
        value instanceof Error ? reject(value) : resolve(value);
      const first = ready.shift();
      if (first) settle(first);
      else waiting.push(settle);
    });
  const greeting = await reply();
  const write = (bytes: string | Buffer) => {
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  };
  const command = (line: string) => {
    write(`${line}\r\n`);
    return reply();
  };
  return {
    greeting,
    socket,
    write,
    command,
    reply,
    async login(user, password) {
      const ehlo = await command('EHLO client.test');
      if (ehlo.code !== 250) throw new Error(`EHLO refused: ${ehlo.lines.join(' | ')}`);
      const blob = Buffer.from(`\0${user}\0${password}`).toString('base64');
      const auth = await command(`AUTH PLAIN ${blob}`);
      if (auth.code !== 235) throw new Error(`AUTH refused: ${auth.lines.join(' | ')}`);
    },
    reset() {
      tcp.resetAndDestroy();
    },
    close() {
      socket.destroy();
    },
  };
}

/** The queue id from a `250 … queued as <id>` reply, or null. */
export function queuedId(reply: RawReply): string | null {
  return reply.code === 250 ? (/queued as (\S+)/.exec(reply.lines.join(' '))?.[1] ?? null) : null;
}
