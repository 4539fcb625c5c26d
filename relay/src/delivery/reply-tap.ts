import type { Socket } from 'node:net';

/**
 * Captures the exact bytes of each server reply, beside nodemailer, which hands its replies over
 * as text: UTF-8 when the bytes are valid UTF-8, one character per byte otherwise, with line
 * terminators dropped. From that text alone the bytes cannot always be recovered (a Latin-1
 * `Grüße` and a UTF-8 `Grüße` give the same string), so the tap reads the socket itself.
 */
export interface ReplyTap {
  /**
   * Starts reading `socket` (the TCP socket, then the TLS socket after STARTTLS). Bytes from a
   * previous socket still unread are dropped, as nodemailer drops them (RFC 3207 section 6).
   */
  attach(socket: Socket): void;
  /** The oldest complete reply not yet taken, or null. */
  take(): Buffer | null;
  detach(): void;
}

const LF = 0x0a;

/**
 * Groups lines into replies the way nodemailer does, so that the n-th reply taken is the n-th
 * reply nodemailer reports: a line starting `ddd-` continues the reply (RFC 5321 section 4.2.1),
 * and a line that is blank by itself is skipped.
 */
export function createReplyTap(): ReplyTap {
  let socket: Socket | null = null;
  let pending = Buffer.alloc(0);
  let current: Buffer[] = [];
  const replies: Buffer[] = [];

  const onData = (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (let eol = pending.indexOf(LF); eol !== -1; eol = pending.indexOf(LF)) {
      const line = pending.subarray(0, eol + 1);
      pending = pending.subarray(eol + 1);
      addLine(line);
    }
  };

  const addLine = (line: Buffer) => {
    const text = line.toString('latin1');
    if (current.length === 0 && text.trim() === '') return;
    current.push(Buffer.from(line));
    if (/^\d+-/.test(text)) return;
    replies.push(Buffer.concat(current));
    current = [];
  };

  const detach = () => {
    socket?.off('data', onData);
    socket = null;
  };

  return {
    attach(next) {
      if (next === socket) return;
      detach();
      pending = Buffer.alloc(0);
      current = [];
      replies.length = 0;
      socket = next;
      // First in line: nodemailer reads the same event and records the reply as it parses it,
      // so the bytes must be queued here before its own listener runs. Its listener on a TLS
      // socket is added before the tap is moved there, so a plain `on` would come too late.
      next.prependListener('data', onData);
    },
    take: () => replies.shift() ?? null,
    detach,
  };
}
