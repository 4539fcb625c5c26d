import type { Reply } from '#shared';

/**
 * RFC 5321 section 4.2: a reply line is a three-digit code, then a hyphen when more lines follow
 * or a space (or nothing) on the last line. Codes outside 2xx-5xx are not replies a client can
 * act on, so they do not parse.
 */
const REPLY_LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/s;

/** RFC 3463 section 2: class.subject.detail, at the start of the text (RFC 2034 section 4). */
const ENHANCED_CODE = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

/** The first digit of a reply code (RFC 5321 section 4.2.1). */
export type ReplyClass = 2 | 3 | 4 | 5;

/**
 * Parses one whole reply, its lines in the order received and without CRLF. Every line is kept
 * exactly as received; the code comes from the first line. Returns null when the first line does
 * not start with a 2xx-5xx code.
 */
export function parseReply(lines: readonly string[]): Reply | null {
  const first = lines[0];
  if (first === undefined) return null;
  const match = REPLY_LINE.exec(first);
  if (!match?.[1]) return null;
  const code = Number(match[1]);
  return { code, enhanced: parseEnhancedCode(code, match[3] ?? ''), lines: [...lines] };
}

/**
 * Splits the text of a reply as nodemailer reports it (lines joined by LF) and parses it.
 * A bare CR inside a line is kept: it is what the server sent.
 */
export function parseReplyText(text: string): Reply | null {
  return parseReply(text.split('\n'));
}

/** Decodes UTF-8, replacing invalid bytes with U+FFFD instead of throwing. */
const LENIENT_UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Parses one whole reply from the exact bytes received, line terminators included. The lines
 * are decoded as UTF-8 for display (RFC 5321 section 4.2 leaves the charset open; RFC 6531
 * servers use UTF-8), invalid bytes becoming U+FFFD; `raw` keeps every byte, base64-encoded,
 * so a reply in another charset (GBK, Latin-1) can still be read exactly.
 */
export function parseReplyBytes(bytes: Uint8Array): Reply | null {
  // Decoding the whole reply at once never splits a character: LF is never part of one.
  const lines = LENIENT_UTF8.decode(bytes).split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const reply = parseReply(lines);
  return reply && { ...reply, raw: Buffer.from(bytes).toString('base64') };
}

/**
 * The RFC 3463 enhanced status code at the start of a reply's text, or null. Its class must
 * agree with the reply code's (RFC 2034 section 4), otherwise it is not trusted.
 */
export function parseEnhancedCode(code: number, text: string): string | null {
  const match = ENHANCED_CODE.exec(text);
  if (!match) return null;
  if (Number(match[1]) !== Math.floor(code / 100)) return null;
  return `${match[1]}.${match[2]}.${match[3]}`;
}

export function replyClass(reply: Reply): ReplyClass {
  return Math.floor(reply.code / 100) as ReplyClass;
}

/** The reply's lines on one line, separated by spaces, as DSN diagnostic codes carry them. */
export function replyOneLine(reply: Reply): string {
  return reply.lines.join(' ');
}

/** Each line's text without its code, separator and enhanced code. */
export function replyTextLines(reply: Reply): string[] {
  return reply.lines.map((line) => {
    const text = line.slice(4);
    return reply.enhanced && text.startsWith(reply.enhanced)
      ? text.slice(reply.enhanced.length).trimStart()
      : text;
  });
}
