import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProcess, waitFor, type Managed } from './process.ts';
import {
  CERTIFICATE_FILES,
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from './tls.ts';

const run = promisify(execFile);

/** Default time `waitForMail` waits, in milliseconds. */
export const DEFAULT_MAIL_WAIT_MS = 20_000;

/** Time allowed for Postfix to greet on its port, or for its master to exit, in milliseconds. */
export const DEFAULT_POSTFIX_TIMEOUT_MS = 20_000;

export interface PostfixOptions {
  /**
   * Directory holding the instance: `config/`, `queue/`, `data/`, `mail/` and `maillog`; created
   * if missing, and made searchable by others so that Postfix's unprivileged daemons can reach it.
   * Its ancestors must already be searchable by the `postfix` user.
   */
  readonly dir: string;
  /** SMTP port on 127.0.0.1. Default: a free one. */
  readonly port?: number;
  /** `myhostname`: the name in the greeting and in Received headers, e.g. `mx.recipient.test`. */
  readonly hostname: string;
  /** Domains accepted for any local part; a recipient anywhere else is refused as relaying. */
  readonly domains: readonly string[];
  /**
   * Relay mode, for benchmarks: accept mail from 127.0.0.0/8 for any domain and forward all of
   * it with smtp(8) to this next hop, e.g. `[127.0.0.1]:2525` (brackets: no MX look-up, as
   * Postfix resolves through the system's resolver only). Default: no relaying at all.
   */
  readonly relayHost?: string;
}

export interface WaitForMailOptions {
  /** Messages to wait for. Default 1. */
  readonly count?: number;
  /** Default `DEFAULT_MAIL_WAIT_MS`. */
  readonly timeoutMs?: number;
}

export interface PostfixInstance {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Postfix's own log: one line per SMTP session event and delivery, with queue ids. */
  readonly maillogPath: string;
  /** The self-signed certificate offered with STARTTLS. */
  readonly certificate: SelfSignedCertificate;
  /** Raw messages delivered to `address` so far, oldest first, with Postfix's added headers. */
  readMailbox(address: string): Promise<Buffer[]>;
  /** Polls until `address` holds at least `count` messages and returns them all. */
  waitForMail(address: string, options?: WaitForMailOptions): Promise<Buffer[]>;
  /** Stops the master and its daemons; mail and the queue stay for a restart on the same `dir`. */
  stop(): Promise<void>;
}

/** The options passed to `startPostfix` are invalid; `problems` lists every one. */
export class PostfixConfigError extends Error {
  override readonly name = 'PostfixConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`cannot configure Postfix: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Postfix did not come up, or did not go down. */
export class PostfixProcessError extends Error {
  override readonly name = 'PostfixProcessError';
}

interface Layout {
  readonly dir: string;
  readonly config: string;
  readonly queue: string;
  readonly data: string;
  readonly mail: string;
  readonly maillog: string;
}

interface Ids {
  readonly uid: number;
  readonly gid: number;
}

// Debian's locations; `postfix` runs postfix-script, which runs the master.
const POSTFIX_BIN = '/usr/sbin/postfix';
const MASTER_BIN = '/usr/lib/postfix/sbin/master';
const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * Starts a private Postfix instance (Debian's binaries, `postfix -c DIR start-fg` as a child)
 * that listens on 127.0.0.1 only and stores mail for `domains` in one Maildir per domain. It
 * delivers nowhere else: bounces and other destinations go to the error transport. Needs root,
 * as Postfix's master does; it neither reads nor changes /etc/postfix/main.cf.
 */
export async function startPostfix(options: PostfixOptions): Promise<PostfixInstance> {
  const paths = layout(resolve(options.dir));
  const problems = validateOptions(options, paths.dir);
  if (problems.length > 0) throw new PostfixConfigError(problems);

  const ids = await postfixIds();
  await prepareDirectories(paths, ids);
  const unreachable = await unsearchableAncestors(paths.dir, ids);
  if (unreachable.length > 0) throw new PostfixConfigError(unreachable);

  const certificate = await createSelfSignedCertificate({
    commonName: options.hostname,
    altNames: ['127.0.0.1'],
    dir: paths.config,
  });
  const port = options.port ?? (await freePort());
  // Another server on the port would answer the readiness check in Postfix's stead.
  if ((await firstLine(port)) !== undefined) {
    throw new PostfixProcessError(`cannot start Postfix: port ${port} is already in use`);
  }
  await writeConfig(paths, ids, { ...options, port });

  const proc = startProcess(POSTFIX_BIN, ['-c', paths.config, 'start-fg'], outFile(paths));
  await waitUntilGreeting(proc, paths, { ...options, port });
  const unguard = await guardExit(proc, paths);

  const readMailbox = (address: string) => readMaildir(paths.mail, address);
  return {
    host: '127.0.0.1',
    port,
    maillogPath: paths.maillog,
    certificate,
    readMailbox,
    waitForMail: (address, wait) => waitForMessages(readMailbox, address, wait),
    stop: async () => {
      await stopPostfix(proc, paths);
      unguard();
    },
  };
}

function layout(dir: string): Layout {
  return {
    dir,
    config: join(dir, 'config'),
    queue: join(dir, 'queue'),
    data: join(dir, 'data'),
    mail: join(dir, 'mail'),
    maillog: join(dir, 'maillog'),
  };
}

function outFile(paths: Layout): string {
  return join(paths.dir, 'postfix.out');
}

function validateOptions(options: PostfixOptions, dir: string): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("Postfix's master must be started as root");
  // main.cf splits lists on commas and white space and expands `$`.
  if (/[\s,$]/.test(dir)) problems.push(`dir ${dir} contains white space, a comma or a $`);
  if (!NAME.test(options.hostname)) problems.push(`hostname ${options.hostname} is not a name`);
  if (options.domains.length === 0) problems.push('domains is empty');
  if (options.relayHost !== undefined && !/^[^\s,$]+$/.test(options.relayHost)) {
    problems.push(`relayHost ${options.relayHost} is not a next hop`);
  }
  for (const domain of options.domains) {
    if (!NAME.test(domain)) problems.push(`domain ${domain} is not a domain name`);
  }
  return problems;
}

async function postfixIds(): Promise<Ids> {
  const { stdout: uid } = await run('id', ['-u', 'postfix']);
  const { stdout: gid } = await run('id', ['-g', 'postfix']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function prepareDirectories(paths: Layout, ids: Ids): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  const mode = (await stat(paths.dir)).mode;
  await chmod(paths.dir, (mode & 0o7777) | 0o001);
  // `postfix check` (run by start-fg) creates the queue's subdirectories with their owners.
  await mkdir(paths.config, { recursive: true, mode: 0o755 });
  await mkdir(paths.queue, { recursive: true, mode: 0o755 });
  for (const owned of [paths.data, paths.mail]) {
    await mkdir(owned, { recursive: true, mode: 0o700 });
    await chown(owned, ids.uid, ids.gid);
  }
}

/** Lists the ancestors of `dir` that the postfix user cannot search (enter). */
async function unsearchableAncestors(dir: string, ids: Ids): Promise<string[]> {
  const problems: string[] = [];
  for (let path = dirname(dir); ; path = dirname(path)) {
    const info = await stat(path);
    const bit: number = info.uid === ids.uid ? 0o100 : info.gid === ids.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) problems.push(`the postfix user cannot search ${path}`);
    if (path === dirname(path)) return problems;
  }
}

async function writeConfig(
  paths: Layout,
  ids: Ids,
  options: PostfixOptions & { port: number },
): Promise<void> {
  const domains = options.domains.map((d) => d.toLowerCase());
  const mailboxes = join(paths.config, 'virtual-mailboxes');
  await writeFile(mailboxes, domains.map(mailboxRule).join(''));
  const mainFile = join(paths.config, 'main.cf');
  await writeFile(mainFile, mainCf(paths, ids, options, mailboxes));
  // Postfix rereads a main.cf younger than two seconds until it "cools down", which would cost
  // every start about two seconds; backdating it is safe as nothing else writes it.
  const past = new Date(Date.now() - 10_000);
  await utimes(mainFile, past, past);
  await writeFile(join(paths.config, 'master.cf'), masterCf(options.port));
}

/**
 * One Maildir per domain. virtual(8) refuses regexp substitution in virtual_mailbox_maps, so a
 * Maildir per local part would need every address listed up front; instead readMaildir picks a
 * recipient's messages by the Delivered-To header virtual(8) prepends.
 */
function mailboxRule(domain: string): string {
  return `/@${domain.replaceAll('.', '\\.')}$/ ${domain}/\n`;
}

function mainCf(paths: Layout, ids: Ids, options: PostfixOptions, mailboxes: string): string {
  const refusal = 'error:5.7.1 this test peer delivers only to its own domains';
  const tlsFiles = [CERTIFICATE_FILES.key, CERTIFICATE_FILES.cert].map((f) =>
    join(paths.config, f),
  );
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: paths.queue,
    data_directory: paths.data,
    myhostname: options.hostname,
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    maillog_file: paths.maillog,
    maillog_file_prefixes: paths.dir,
    // No local delivery at all, so no system user or alias can receive mail.
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    local_transport: refusal,
    default_transport: refusal,
    relay_transport: refusal,
    virtual_mailbox_domains: options.domains.join(', '),
    virtual_mailbox_base: paths.mail,
    virtual_mailbox_maps: `regexp:${mailboxes}`,
    virtual_uid_maps: `static:${ids.uid}`,
    virtual_gid_maps: `static:${ids.gid}`,
    // The client is always 127.0.0.1, so permit_mynetworks would let it relay anywhere.
    smtpd_relay_restrictions: 'reject_unauth_destination',
    // A reverse lookup would go to the system resolver, not to the test's DNS.
    smtpd_peername_lookup: 'no',
    smtpd_tls_security_level: 'may',
    smtpd_tls_chain_files: tlsFiles.join(', '),
    smtpd_tls_loglevel: '1',
    biff: 'no',
    ...(options.relayHost === undefined ? {} : relaySettings(options.relayHost)),
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key} = ${value}\n`)
    .join('');
}

/** Relay mode: loopback clients may send anywhere, and everything goes to one next hop. */
function relaySettings(relayHost: string): Record<string, string> {
  return {
    mynetworks: '127.0.0.0/8',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    relayhost: relayHost,
    default_transport: 'smtp',
    relay_transport: 'relay',
  };
}

function masterCf(port: number): string {
  // service type private unpriv chroot wakeup maxproc command; no chroot, so no copies of /etc.
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    // Used in relay mode only; the default transports refuse otherwise.
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    // Writes maillog_file: logging without syslog (Postfix 3.4+).
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return services.map((line) => `${line}\n`).join('');
}

async function waitUntilGreeting(
  proc: Managed,
  paths: Layout,
  { port, hostname }: { port: number; hostname: string },
): Promise<void> {
  const ended = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  // RFC 5321 section 4.3.1: the greeting is 220 followed by the server's name.
  const greets = async () => (await firstLine(port))?.startsWith(`220 ${hostname} `) === true;
  try {
    await waitFor(
      `Postfix to greet on port ${port}`,
      async () => ended() || (await greets()),
      DEFAULT_POSTFIX_TIMEOUT_MS,
    );
  } catch (error) {
    // The start failure is what to report; a failure to clean up after it would hide it.
    await stopPostfix(proc, paths).catch(() => undefined);
    throw new PostfixProcessError(`cannot start Postfix in ${paths.dir}`, { cause: error });
  }
  if (!ended()) return;
  await proc.stop();
  const where = `${paths.maillog} and ${outFile(paths)}`;
  throw new PostfixProcessError(
    `postfix start-fg exited with ${proc.child.exitCode}, see ${where}`,
  );
}

/**
 * The first line a server on 127.0.0.1:`port` sends within a second: '' if it sends none,
 * undefined if nothing accepts the connection.
 */
function firstLine(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(1_000, () => finish(''));
    socket.once('error', () => finish(undefined));
    socket.once('end', () => finish(received));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\n');
      if (end === -1) return;
      // QUIT, so that smtpd logs a clean session rather than a lost connection.
      socket.end('QUIT\r\n');
      resolve(received.slice(0, end).trimEnd());
    });
  });
}

async function stopPostfix(proc: Managed, paths: Layout): Promise<void> {
  try {
    if (await isMasterRunning(paths)) await run(POSTFIX_BIN, ['-c', paths.config, 'stop']);
    // The start-fg script ends once its master has exited.
    await waitFor(
      `Postfix master in ${paths.dir} to exit`,
      async () => proc.child.exitCode !== null || proc.child.signalCode !== null,
      DEFAULT_POSTFIX_TIMEOUT_MS,
    );
    await proc.stop();
  } catch (error) {
    throw new PostfixProcessError(`cannot stop Postfix in ${paths.dir}`, { cause: error });
  }
}

const exitGuards = new Set<() => void>();

/**
 * The master runs in a session of its own and outlives this process, so if this process exits
 * without calling stop() (an uncaught error, say), the master is sent SIGTERM. Returns the
 * function that removes the guard.
 *
 * LIMITATION: 'exit' is not emitted when this process dies of a signal (SIGKILL, or SIGINT and
 * SIGTERM without handlers); the master then keeps running until `postfix -c DIR/config stop`.
 */
async function guardExit(proc: Managed, paths: Layout): Promise<() => void> {
  const pidFile = join(paths.queue, 'pid', 'master.pid');
  const masterPid = Number((await readFile(pidFile, 'latin1')).trim());
  const guard = () => {
    // An ended start-fg script means the master is gone and its pid may have been reused.
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    try {
      process.kill(masterPid, 'SIGTERM');
    } catch {
      // Already gone: nothing to stop, and an exit handler must not throw.
    }
  };
  if (exitGuards.size === 0) process.once('exit', runExitGuards);
  exitGuards.add(guard);
  return () => {
    exitGuards.delete(guard);
    if (exitGuards.size === 0) process.off('exit', runExitGuards);
  };
}

function runExitGuards(): void {
  for (const guard of exitGuards) guard();
}

/** `master -t` exits 0 when no master holds the instance's pid file lock. */
async function isMasterRunning(paths: Layout): Promise<boolean> {
  return run(MASTER_BIN, ['-c', paths.config, '-t']).then(
    () => false,
    () => true,
  );
}

async function readMaildir(mailDir: string, address: string): Promise<Buffer[]> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  // The domain becomes a path: anything but a plain name cannot have a Maildir here.
  if (!NAME.test(domain)) return [];
  const names = await Promise.all(
    ['new', 'cur'].map(async (sub) =>
      (await listFiles(join(mailDir, domain, sub))).map((name) => ({ sub, name })),
    ),
  );
  const files = names.flat().sort((a, b) => deliveryTime(a.name) - deliveryTime(b.name));
  const messages = await Promise.all(
    files.map((file) => readFile(join(mailDir, domain, file.sub, file.name))),
  );
  return messages.filter(
    (message) => deliveredTo(message)?.toLowerCase() === address.toLowerCase(),
  );
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    // No Maildir yet: nothing was delivered to this domain.
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  }
}

/** Microseconds since the epoch from a Maildir file name (`SECONDS.V…I…MMICROS.host`). */
function deliveryTime(name: string): number {
  const match = /^(\d+)\.V[0-9a-f]+I[0-9a-f]+M(\d+)\./.exec(name);
  return match ? Number(match[1]) * 1e6 + Number(match[2]) : 0;
}

/** The first Delivered-To header, which virtual(8) prepends above any the message had. */
function deliveredTo(message: Buffer): string | undefined {
  const end = message.indexOf('\n\n');
  const header = message.subarray(0, end === -1 ? message.length : end).toString('latin1');
  return /^Delivered-To:[ \t]*(\S+)/im.exec(header)?.[1];
}

async function waitForMessages(
  read: (address: string) => Promise<Buffer[]>,
  address: string,
  options: WaitForMailOptions = {},
): Promise<Buffer[]> {
  const count = options.count ?? 1;
  let messages: Buffer[] = [];
  await waitFor(
    `${count} message(s) for ${address}`,
    async () => (messages = await read(address)).length >= count,
    options.timeoutMs ?? DEFAULT_MAIL_WAIT_MS,
  );
  return messages;
}
