import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Logger } from '#shared';
import { createHooks, type SubmissionDeps } from './hooks.ts';
import type { TlsMaterial } from './tls.ts';

export interface SubmissionOptions {
  host: string;
  /** STARTTLS submission port (RFC 6409); 0 picks a free one. */
  port: number;
  /** Implicit-TLS submission port (RFC 8314); 0 picks a free one. */
  tlsPort: number;
  tls: TlsMaterial;
  maxMessageSize: number;
  /** Accept AUTH before STARTTLS: for local runs only. */
  allowInsecureAuth: boolean;
  /** Wraps the policy hooks, e.g. to trace them; may add smtp-server's other hooks. */
  instrumentHooks?: (hooks: PolicyHooks) => Partial<SMTPServerOptions>;
}

/** The submission policy as smtp-server hooks. */
export type PolicyHooks = ReturnType<typeof createHooks>;

export interface SubmissionService {
  /** The bound ports, once listening. */
  readonly ports: { starttls: number; implicitTls: number };
  listen(): Promise<void>;
  /** Changes the largest message accepted (and advertised with SIZE), for new commands. */
  setMaxMessageSize(octets: number): void;
  /** Stops accepting and waits for open sessions (smtp-server's closeTimeout). */
  close(): Promise<void>;
}

/** Both submission listeners, sharing one policy. */
export function createSubmissionService(
  options: SubmissionOptions,
  deps: SubmissionDeps,
): SubmissionService {
  const policy = createHooks(deps);
  const hooks = options.instrumentHooks ? options.instrumentHooks(policy) : policy;
  const starttls = createServer(options, hooks, deps.log, false);
  const implicit = createServer(options, hooks, deps.log, true);
  const ports = { starttls: options.port, implicitTls: options.tlsPort };
  return {
    ports,
    async listen() {
      ports.starttls = await listen(starttls, options.host, options.port);
      ports.implicitTls = await listen(implicit, options.host, options.tlsPort);
      deps.log.info(ports, 'submission listening');
    },
    setMaxMessageSize(octets) {
      // smtp-server reads options.size at each EHLO, MAIL FROM and DATA, so this applies live.
      for (const server of [starttls, implicit]) server.options.size = octets;
    },
    async close() {
      await Promise.all(
        [starttls, implicit].map((s) => new Promise((r) => s.close(() => r(null)))),
      );
    },
  };
}

function createServer(
  options: SubmissionOptions,
  hooks: Partial<SMTPServerOptions>,
  log: Logger,
  secure: boolean,
): SMTPServer {
  const config: SMTPServerOptions = {
    secure,
    key: options.tls.key,
    cert: options.tls.cert,
    name: undefined,
    banner: 'Zajoni submission',
    size: options.maxMessageSize,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: options.allowInsecureAuth,
    authRequiredMessage: 'Authentication required',
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    closeTimeout: 30_000,
    logger: false,
    ...hooks,
  };
  const server = new SubmissionServer(config);
  // Without an error listener a client's reset kills the process (smtp-server issue #229).
  server.on('error', (error: Error) => log.warn({ err: error }, 'submission connection error'));
  return server;
}

/**
 * smtp-server as the submission service needs it, in two respects.
 *
 * Enhanced status codes: smtp-server picks the enhanced status code of a hook's refusal from
 * the reply code alone (550 becomes 5.1.1), which names the wrong problem for policy refusals.
 * SmtpReplyError puts the code it means in the message; for such a message this server
 * suppresses the library's.
 *
 * The greeting: smtp-server holds every greeting back 100 ms, with no setting, to catch
 * clients that talk before it (a check against spam bots on port 25; Postfix makes it in
 * postscreen, which does not guard submission). Submission clients authenticate, so the pause
 * only makes every session 100 ms longer; this server greets as soon as the connection is set
 * up. A client that talks before the greeting is still refused with 421, as smtp-server does.
 *
 * LIMITATION: this relies on smtp-server's `connect()`, `send(code, data, context)` and
 * `connectionReady()` (3.21); the submission tests fail if a release changes them.
 */
class SubmissionServer extends SMTPServer {
  override connect(socket: Socket | TLSSocket, socketOptions?: ConnectionOptions) {
    super.connect(socket, socketOptions);
    const connection = [...this.connections].at(-1);
    if (!connection) return;
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) =>
      typeof data === 'string' && OWN_CODE.test(data)
        ? send(code, data, false)
        : send(code, data, context);
    if (!this.options.maxClients) greetAtOnce(connection);
  }
}

type ConnectionOptions = Parameters<SMTPServer['connect']>[1];
type Connection = SMTPServer['connections'] extends Set<infer C> ? C : never;

/**
 * Starts the connection's greeting now. smtp-server's own timer calls `connectionReady()` once
 * more after its pause; that call does nothing. A connection that still waits for a TLS
 * upgrade keeps smtp-server's own course, and so does a server with `maxClients` (which the
 * relay does not set), whose refusal comes before the pause.
 */
function greetAtOnce(connection: Connection) {
  if (connection.needsUpgrade) return;
  const ready = connection.connectionReady.bind(connection);
  let started = false;
  connection.connectionReady = (next) => {
    if (started) return;
    started = true;
    ready(next);
  };
  connection.connectionReady();
}

const OWN_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

function listen(server: SMTPServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
