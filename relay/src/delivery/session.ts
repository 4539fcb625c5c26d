import { isAscii } from 'node:buffer';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger, RecipientOutcome, Reply, TlsInfo, TranscriptStep } from '#shared';
import { describeTls } from '../transcript/index.ts';
import type { ConnectionPool, Reusable } from './connection-pool.ts';
import {
  createConnection,
  createState,
  noteFailure,
  openSession,
  quit,
  type SessionState,
} from './connection.ts';
import { NO_CAPABILITIES, parseEhlo } from './ehlo.ts';
import { EndOfDataWithheldError } from './errors.ts';
import { createReplyTap, type ReplyTap } from './reply-tap.ts';
import { traceSteps } from '../telemetry/index.ts';
import { screenRecipients } from './screen.ts';

/** Time to set up the TCP connection, in ms (Postfix's smtp_connect_timeout). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Time to wait for the 220 banner and for the TLS handshake, each, in ms (RFC 5321 4.5.3.2.1). */
export const DEFAULT_GREETING_TIMEOUT_MS = 300_000;

/**
 * How long each stage may take, in ms. Apart from the connect, the banner and the handshake,
 * each is an inactivity limit: the time the server may stay silent (or, while the message is
 * written, the time a write may stall).
 */
export interface SessionTimeouts {
  connectMs: number;
  /** The 220 banner and the TLS handshake (RFC 5321 section 4.5.3.2.1: 5 minutes). */
  greetingMs: number;
  /** The reply to MAIL (4.5.3.2.2: 5 minutes); also EHLO, STARTTLS, RSET and QUIT. */
  mailMs: number;
  /** The reply to each RCPT (4.5.3.2.3: 5 minutes). */
  rcptMs: number;
  /** The reply to DATA (4.5.3.2.4: 2 minutes). */
  dataInitMs: number;
  /** A stalled write of the message (4.5.3.2.5: 3 minutes per block). */
  dataBlockMs: number;
  /** The reply to the final dot (4.5.3.2.6: 10 minutes). */
  endOfDataMs: number;
}

/** RFC 5321 section 4.5.3.2's values, and 30 s to connect. */
export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  connectMs: DEFAULT_CONNECT_TIMEOUT_MS,
  greetingMs: DEFAULT_GREETING_TIMEOUT_MS,
  mailMs: 300_000,
  rcptMs: 300_000,
  dataInitMs: 120_000,
  dataBlockMs: 180_000,
  endOfDataMs: 600_000,
};

/** One address of one mail server. */
export interface SessionTarget {
  host: string;
  ip: string;
  port: number;
  preference: number | null;
}

export interface SessionRequest {
  target: SessionTarget;
  /** Use STARTTLS when offered; false for the cleartext retry after a failed handshake. */
  startTls: boolean;
  heloName: string;
  sender: string;
  recipients: readonly string[];
  body: Buffer;
  /** CA certificates trusted besides the system's, PEM; to verify servers of a private PKI. */
  trustedCa: readonly string[];
  /** Declare BODY=8BITMIME when the server offers it (RFC 6152). */
  eightBit: boolean;
  /**
   * `opportunistic`: TLS when offered, never refused for it (RFC 7435). `verified`: STARTTLS with
   * a certificate that chains to a trusted CA and names the MX host, or no transaction (MTA-STS
   * enforce, RFC 8461 section 4.2).
   */
  tlsRequirement: TlsRequirement;
  /** MTA-STS testing mode: note when the connection would have failed under enforce. */
  auditTls: boolean;
  /** Notes recorded before connecting (the policy that applies). */
  notes: readonly string[];
  /** Awaited after the body is written and before the final dot; a throw withholds the dot. */
  beforeEndOfData: (() => Promise<void>) | null;
  /** Where a connection is taken from and given back to for the next message; null: none. */
  pool: ConnectionPool | null;
  timeouts: SessionTimeouts;
  log: Logger;
}

export type TlsRequirement = 'opportunistic' | 'verified';

/**
 * How far a session got: `unreachable` (no SMTP transaction: connect, banner or EHLO failed, so
 * the next address may help), `tls-failed` (the STARTTLS handshake failed, so cleartext may
 * help), or `transacted` (this server's replies decide the recipients).
 */
export type SessionStage = 'unreachable' | 'tls-failed' | 'transacted';

export interface SessionResult {
  stage: SessionStage;
  startedAt: Date;
  endedAt: Date;
  steps: TranscriptStep[];
  tls: TlsInfo | null;
  /** The first failure outside SMTP replies (connect, timeout, TLS, lost connection). */
  error: string | null;
  /** Recipients given to RCPT TO, in order. */
  sent: string[];
  /** Recipients decided before any command about them was sent. */
  refused: RecipientOutcome[];
}

/**
 * Runs one SMTP transaction with one address: on an idle pooled connection (RSET first), or on a
 * new one (connect, banner, EHLO, STARTTLS when offered); then back to the pool, or QUIT. Never
 * throws for what a server or the network does: every failure ends up in the result and its steps.
 */
export async function runSession(request: SessionRequest): Promise<SessionResult> {
  const startedAt = new Date();
  const reused = takeReusable(request);
  const state = createState(reused?.tap ?? createReplyTap());
  state.recorder = traceSteps(state.recorder);
  for (const note of request.notes) state.recorder.remarked(note);

  let channel = reused && (await resume(reused, state, request)) ? reused : null;
  if (!channel) {
    channel = openChannel(request, state);
    const opened = await openSession(channel.conn, state, request);
    if (!opened) {
      channel.tap.detach();
      const stage = state.tlsFailed ? 'tls-failed' : 'unreachable';
      return finish(state, stage, startedAt, [], []);
    }
    channel.tls = state.tls;
    channel.ehlo = lastEhlo(state);
  }

  if (request.auditTls) auditTls(state, request.target.host);
  const { sent, refused } = await transact(channel, state, request);
  channel.messages += 1;
  await release(channel, state, request);
  return finish(state, 'transacted', startedAt, sent, refused);
}

/** A connection open to a server: one per TCP connection, recording into one session at a time. */
interface Channel extends Reusable {
  conn: SMTPConnection;
  tap: ReplyTap;
  /** The session the connection records into now; `idle` while in the pool. */
  binding: { state: SessionState };
  idle: SessionState;
  messages: number;
  closed: boolean;
  tls: TlsInfo | null;
  /** The EHLO reply in force: what the server offers (RFC 5321 section 4.1.1.1). */
  ehlo: Reply | null;
}

/** What may share a connection: same address, port, MX name, TLS requirement and EHLO name. */
function reuseKey(request: SessionRequest): string {
  const { ip, port, host } = request.target;
  const tls = request.startTls ? request.tlsRequirement : 'cleartext';
  return `${ip}|${port}|${host.toLowerCase()}|${tls}|${request.heloName}`;
}

function takeReusable(request: SessionRequest): Channel | null {
  const taken = request.pool?.take(reuseKey(request)) ?? null;
  return taken ? (taken as Channel) : null;
}

function openChannel(request: SessionRequest, state: SessionState): Channel {
  const idle = createState(state.tap);
  const binding = { state };
  const conn = createConnection(request, binding);
  const channel: Channel = {
    key: reuseKey(request),
    id: request.pool?.nextId() ?? 0,
    conn,
    tap: state.tap,
    binding,
    idle,
    messages: 0,
    closed: false,
    tls: null,
    ehlo: null,
    park: () => {
      binding.state = idle;
      const socket: unknown = conn._socket;
      if (socket instanceof Socket) socket.setTimeout(0);
    },
    retire: () => quit(conn).then(() => channel.tap.detach()),
  };
  // Every failure is emitted as 'error' too; without a listener EventEmitter would throw it.
  conn.on('error', (error: unknown) => noteFailure(binding.state, error));
  conn.once('end', () => {
    channel.closed = true;
    request.pool?.forget(channel);
  });
  return channel;
}

/**
 * Binds a pooled connection to this session and resets it with RSET (RFC 5321 section 4.1.1.5),
 * so the next MAIL starts a new transaction. False when the connection is no longer usable: the
 * caller opens a new one, recorded in the same transcript.
 */
async function resume(channel: Channel, state: SessionState, request: SessionRequest) {
  channel.binding.state = state;
  state.tls = channel.tls;
  state.recorder.remarked(
    `reusing connection ${channel.id} to ${request.target.ip}:${request.target.port}: ` +
      `${channel.messages} message(s) sent on it before; TLS ${describeTls(channel.tls)}`,
  );
  // Anything the server said while the connection was idle is not a reply to this session.
  while (channel.tap.take()) continue;
  const error = await new Promise<unknown>((resolve) =>
    channel.conn.reset((e) => resolve(e ?? null)),
  );
  if (!error) return true;
  state.recorder.remarked(`reused connection ${channel.id} failed (${describeError(error)})`);
  // Whatever the dying connection reports now belongs to no session.
  channel.binding.state = channel.idle;
  channel.conn.close();
  channel.tap.detach();
  Object.assign(state, createState(createReplyTap()), { recorder: state.recorder });
  return false;
}

/**
 * Gives the connection to the pool when its last transaction ended with every command answered
 * and no failure; anything else (a withheld dot, a lost reply) is never reused: QUIT, or close.
 */
async function release(channel: Channel, state: SessionState, request: SessionRequest) {
  const settled = !state.error && !state.withheld && state.awaiting.length === 0;
  if (settled && !channel.closed && request.pool?.keep(channel)) return;
  // A withheld dot leaves the server in DATA: QUIT would be message text, so just close.
  if (state.withheld) channel.conn.close();
  else await quit(channel.conn);
  channel.tap.detach();
}

function lastEhlo(state: SessionState): Reply | null {
  const step = state.recorder.steps().findLast((s) => s.kind === 'ehlo' || s.kind === 'helo');
  return step?.kind === 'ehlo' ? step.reply : null;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** RFC 8461 section 5: in testing mode a failure is reported, and delivery goes on. */
function auditTls(state: SessionState, host: string) {
  if (state.tls?.verified) return;
  const why = state.tls
    ? `certificate not verified for ${host} (${state.tls.verifyError ?? 'unknown error'})`
    : 'no TLS';
  state.recorder.remarked(`MTA-STS testing: enforce mode would refuse this connection: ${why}`);
}

/** One transaction for every recipient the server can take (RFC 5321 section 3.3). */
async function transact(
  channel: Channel,
  state: SessionState,
  request: SessionRequest,
): Promise<{ sent: string[]; refused: RecipientOutcome[] }> {
  const { sender, body } = request;
  const screening = screenRecipients({
    sender,
    recipients: request.recipients,
    size: body.length,
    utf8Headers: hasHighBytes(body.subarray(0, headerEnd(body))),
    eightBit: hasHighBytes(body),
    capabilities: channel.ehlo ? parseEhlo(channel.ehlo) : NO_CAPABILITIES,
    server: `${request.target.host} [${request.target.ip}]`,
  });
  for (const refused of screening.refused) {
    state.recorder.noted(`${refused.address}: ${refused.reason ?? 'refused'}`);
  }
  if (screening.send.length === 0) return { sent: [], refused: screening.refused };

  // BODY=8BITMIME is declared when offered; screenRecipients kept 8-bit content from a server
  // without it.
  const envelope = {
    from: sender,
    to: screening.send,
    size: body.length,
    use8BitMime: request.eightBit,
  };
  const error = await sendMessage(channel.conn, envelope, messageSource(state, body, request));
  if (error) noteFailure(state, error);
  return { sent: screening.send, refused: screening.refused };
}

function hasHighBytes(bytes: Buffer): boolean {
  return !isAscii(bytes);
}

/** Length of the header block, up to the blank line (RFC 5322 section 2.1). */
function headerEnd(body: Buffer): number {
  const end = body.indexOf('\r\n\r\n');
  return end === -1 ? body.length : end;
}

/**
 * The body as nodemailer reads it: the Buffer itself, or a stream that ends (and so lets the
 * final dot go) only once beforeEndOfData has resolved.
 */
function messageSource(state: SessionState, body: Buffer, request: SessionRequest) {
  const beforeEnd = request.beforeEndOfData;
  if (!beforeEnd) return body;
  return Readable.from(
    (async function* () {
      yield body;
      try {
        await beforeEnd();
      } catch (error) {
        state.withheld = true;
        throw new EndOfDataWithheldError({ cause: error });
      }
    })(),
  );
}

/** Sends the envelope and the body; resolves with nodemailer's error, or null on success. */
function sendMessage(
  conn: SMTPConnection,
  envelope: { from: string; to: string[]; size: number; use8BitMime: boolean },
  body: Buffer | Readable,
): Promise<unknown> {
  // nodemailer's DataStream turns bare LF and bare CR into CRLF, stuffs a dot at the start of
  // each line (RFC 5321 section 4.5.2) and ends with CRLF.CRLF, from the Buffer as queued.
  return new Promise((resolve) => conn.send(envelope, body, (error) => resolve(error ?? null)));
}

function finish(
  state: SessionState,
  stage: SessionStage,
  startedAt: Date,
  sent: string[],
  refused: RecipientOutcome[],
): SessionResult {
  const steps = state.recorder.finish();
  const { tls, error } = state;
  return { stage, startedAt, endedAt: new Date(), steps, tls, error, sent, refused };
}
