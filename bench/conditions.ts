import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { RELAY_BENCH_ENV } from './systems.ts';

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0] ?? '';
  return `${root}/${newest}/bin/postgres`;
}

/** What the figures were measured on and with: printed and stored beside them. */
export function readConditions(): Record<string, string> {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'latin1'))?.[1];
  return {
    node: process.version,
    postfix: output('/usr/sbin/postconf', ['-dh', 'mail_version']),
    natsServer: output('/usr/sbin/nats-server', ['--version']),
    postgres: output(postgresBin(), ['--version']),
    cpu: `${model ?? 'unknown'}, ${cpus().length} cores`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    loadAverageAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    postgresSettings: 'fsync=off (the stack default), max_connections=200',
    jetStream: 'file storage, nats-server defaults (no fsync per message)',
    postfixQueue: 'Postfix defaults: fsync of each queue file before 250',
    relayEnv: Object.entries(RELAY_BENCH_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    transport:
      'cleartext SMTP, no pipelining; Zajoni with AUTH PLAIN per session, Postfix without AUTH',
    postfixNextHop: 'relayhost [127.0.0.1]:sink (no MX look-up); Zajoni looks up MX in dnsmasq',
    receipts: 'Zajoni also sends one receipt per message to the same sink (counted in its CPU)',
  };
}
