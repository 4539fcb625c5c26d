import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { canConnect, freePort, waitFor } from '../scripts/stack/process.ts';

/** One message the sink accepted. */
export interface SinkRecord {
  /** Wall-clock ms when the sink sent its final 250. */
  readonly at: number;
  /** The message's X-Bench-Id, or '-' for mail the benchmark did not send (receipts). */
  readonly id: string;
  readonly octets: number;
}

export interface Sink {
  readonly port: number;
  readonly pid: number;
  /** Every message accepted so far, in order. */
  readonly records: SinkRecord[];
  /** Forgets the records so far, between runs. */
  clear(): void;
  stop(): Promise<void>;
}

/** Starts bench/smtp-sink.ts as its own process and collects what it accepts. */
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'smtp-sink.ts'), String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const records: SinkRecord[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [at, id, octets] = line.split(' ');
    records.push({ at: Number(at), id: id ?? '-', octets: Number(octets) });
  });
  await waitFor('the sink to listen', () => canConnect(port), 30_000);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    port,
    pid: child.pid ?? 0,
    records,
    clear: () => void records.splice(0),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
