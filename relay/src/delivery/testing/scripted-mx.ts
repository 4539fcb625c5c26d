import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/** A reply line without CRLF: text (encoded with the script's encoding) or exact bytes. */
export type ReplyLine = string | Buffer;

/** How a scripted server answers; every reply is given as its full lines, codes included. */
export interface MxScript {
  /** Banner lines; an empty list sends nothing (a server that never greets). */
  banner: ReplyLine[];
  /**
   * Time between banner lines, in ms; default 0 (one write). While the banner is incomplete any
   * byte from the client is a pregreet: the server answers 554 5.5.1 and closes, like Postfix's
   * postscreen.
   */
  bannerLineDelayMs?: number;
  /** Reply lines to one command line (without CRLF); null closes the connection instead. */
  reply(command: string, connection: number): ReplyLine[] | null;
  /** Reply lines to the end of data; null closes the connection instead. */
  endOfData(connection: number): ReplyLine[] | null;
  /** How reply text becomes bytes; default utf8. */
  encoding?: BufferEncoding;
}

/** What one connection to a scripted server carried. */
export interface ScriptedConnection {
  /** Every byte received, in order. */
  bytes: Buffer;
  /** The 'data' chunks as they arrived, to see what the client sent in one write. */
  chunks: Buffer[];
  /** Command lines received, in order. */
  commands: string[];
  /** Each message as received between 354 and the final dot: still dot-stuffed, CRLFs kept. */
  messages: Buffer[];
  /**
   * For each message, the command lines received since the previous one (or the connection's
   * start): its transaction, when several messages share the connection.
   */
  envelopes: string[][];
  /** Whether the client sent anything before the banner was complete. */
  pregreeted: boolean;
}

export interface ScriptedMx {
  host: string;
  port: number;
  connections: ScriptedConnection[];
  close(): Promise<void>;
}

/** A reply line meaning: close the connection once the lines before it are written. */
export const CLOSE = '<close>';

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');

/**
 * A raw TCP SMTP server for tests where exact bytes and reply shapes matter: it answers each
 * command line in arrival order (so a pipelined batch gets its replies in order), records every
 * byte and keeps each message exactly as it came over the wire.
 */
export async function startScriptedMx(
  script: MxScript,
  listen: { host?: string; port?: number } = {},
): Promise<ScriptedMx> {
  const connections: ScriptedConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket, script, connections);
  });
  server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    host: address.address,
    port: address.port,
    connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function serve(socket: Socket, script: MxScript, connections: ScriptedConnection[]) {
  const index = connections.length;
  const record: ScriptedConnection = {
    bytes: Buffer.alloc(0),
    chunks: [],
    commands: [],
    messages: [],
    envelopes: [],
    pregreeted: false,
  };
  let transactionStart = 0;
  connections.push(record);
  let pending = Buffer.alloc(0);
  let inData = false;
  let greeted = false;

  const send = (lines: ReplyLine[] | null) => {
    if (lines === null) {
      socket.destroy();
      return;
    }
    const bytes = lines
      .filter((l) => l !== CLOSE)
      .map((l) => (typeof l === 'string' ? Buffer.from(l, script.encoding ?? 'utf8') : l))
      .map((l) => Buffer.concat([l, CRLF]));
    if (bytes.length > 0 && !socket.destroyed) socket.write(Buffer.concat(bytes));
    if (lines.includes(CLOSE)) socket.end();
  };

  const step = (): boolean => {
    if (inData) {
      // An empty message is just ".\r\n"; otherwise the data ends at CRLF.CRLF.
      const end = pending.subarray(0, 3).toString() === '.\r\n' ? -2 : pending.indexOf(END_OF_DATA);
      if (end === -1) return false;
      record.messages.push(Buffer.from(pending.subarray(0, end + 2)));
      record.envelopes.push(record.commands.slice(transactionStart));
      transactionStart = record.commands.length;
      pending = pending.subarray(end + END_OF_DATA.length);
      inData = false;
      send(script.endOfData(index));
      return true;
    }
    const eol = pending.indexOf(CRLF);
    if (eol === -1) return false;
    const command = pending.subarray(0, eol).toString('utf8');
    pending = pending.subarray(eol + 2);
    record.commands.push(command);
    const reply = script.reply(command, index);
    if (/^DATA$/i.test(command) && reply?.[0]?.toString().startsWith('354')) inData = true;
    send(reply);
    return reply !== null && !reply.includes(CLOSE);
  };

  socket.on('data', (chunk: Buffer) => {
    record.chunks.push(chunk);
    record.bytes = Buffer.concat([record.bytes, chunk]);
    if (!greeted) {
      record.pregreeted = true;
      send(['554 5.5.1 protocol error', CLOSE]);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    while (!socket.destroyed && step());
  });
  void greet(script, send).then(() => {
    greeted = true;
  });
}

async function greet(script: MxScript, send: (lines: ReplyLine[]) => void) {
  const delay = script.bannerLineDelayMs ?? 0;
  if (delay === 0) {
    send(script.banner);
    return;
  }
  for (const [i, line] of script.banner.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, delay));
    send([line]);
  }
}

/**
 * A well-behaved server's replies: `overrides` are tried first with the command line; the rest
 * get the usual positive reply. EHLO advertises `extensions`.
 */
export function basicScript(options: {
  banner?: ReplyLine[];
  bannerLineDelayMs?: number;
  extensions?: string[];
  overrides?: (command: string) => ReplyLine[] | null | undefined;
  endOfData?: ReplyLine[] | null;
}): MxScript {
  const extensions = options.extensions ?? ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'];
  return {
    banner: options.banner ?? ['220 mx.test ESMTP ready'],
    ...(options.bannerLineDelayMs === undefined
      ? {}
      : { bannerLineDelayMs: options.bannerLineDelayMs }),
    reply: (command) => {
      const override = options.overrides?.(command);
      if (override !== undefined) return override;
      const verb = command.split(' ')[0]?.toUpperCase();
      if (verb === 'EHLO') {
        const lines = ['mx.test greets you', ...extensions];
        return lines.map((l, i) => `250${i < lines.length - 1 ? '-' : ' '}${l}`);
      }
      if (verb === 'MAIL') return ['250 2.1.0 Ok'];
      if (verb === 'RCPT') return ['250 2.1.5 Ok'];
      if (verb === 'DATA') return ['354 End data with <CR><LF>.<CR><LF>'];
      if (verb === 'RSET') return ['250 2.0.0 Ok'];
      if (verb === 'QUIT') return ['221 2.0.0 Bye'];
      return ['502 5.5.2 Error: command not recognized'];
    },
    endOfData: () =>
      options.endOfData === undefined
        ? ['250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3']
        : options.endOfData,
  };
}
