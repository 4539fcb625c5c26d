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
  const server = new EnhancedCodesServer(config);
  // Without an error listener a client's reset kills the process (smtp-server issue #229).
  server.on('error', (error: Error) => log.warn({ err: error }, 'submission connection error'));
  return server;
}

/**
 * smtp-server picks the enhanced status code of a hook's refusal from the reply code alone
 * (550 becomes 5.1.1), which names the wrong problem for policy refusals. SmtpReplyError puts
 * the code it means in the message; for such a message this server suppresses the library's.
 *
 * LIMITATION: this relies on smtp-server's `connect()` and `send(code, data, context)` internals
 * (3.21); the submission tests fail if a release changes them.
 */
class EnhancedCodesServer extends SMTPServer {
  override connect(socket: Socket | TLSSocket, socketOptions?: ConnectionOptions) {
    super.connect(socket, socketOptions);
    const connection = [...this.connections].at(-1);
    if (!connection) return;
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) =>
      typeof data === 'string' && OWN_CODE.test(data)
        ? send(code, data, false)
        : send(code, data, context);
  }
}

type ConnectionOptions = Parameters<SMTPServer['connect']>[1];

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
