import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { transcriptSubject } from '#shared';
import { buildTranscript } from '../api/src/testing/transcripts.ts';
import { waitFor } from '../scripts/stack/process.ts';
import { BENCH, benchUser, type ZajoniSystem } from './systems.ts';

export interface IngestResult {
  readonly records: number;
  /** Records per second between the first and the last row's received_at. */
  readonly rate: number;
  /** From spawning the API process until the last record was stored, in seconds. */
  readonly wallSeconds: number;
  readonly complete: boolean;
}

const PUBLISH_WINDOW = 256;

/** Records stored and analysed before the measured run, not counted. */
const WARM_UP_RECORDS = 2_000;

/**
 * Transcript ingest: with the API stopped, publishes `records` transcripts (the API's test
 * fixture, one recipient each) to the stream, then starts the API and times how fast it stores
 * them. A warm-up round first stores WARM_UP_RECORDS and runs ANALYZE, as on a database in use:
 * on empty tables PostgreSQL's foreign-key checks keep sequential-scan plans on each connection
 * until statistics arrive (autovacuum's analyze), which would time an empty database instead.
 */
export async function measureIngest(system: ZajoniSystem, records: number): Promise<IngestResult> {
  await ingestRound(system, WARM_UP_RECORDS, `warm-up-${Date.now()}`);
  await system.db.query('ANALYZE');
  return ingestRound(system, records, `ingest-${Date.now()}`);
}

async function ingestRound(
  system: ZajoniSystem,
  records: number,
  marker: string,
): Promise<IngestResult> {
  const before = await countRows(system);
  const { spawnedAt } = await system.restartApi(() => publish(system, records, marker));
  let complete = true;
  await waitFor(
    'the API to store every transcript',
    async () => (await countRows(system)) - before >= records,
    120_000 + records * 10,
    100,
  ).catch(() => {
    complete = false;
  });
  const { rows } = await system.db.query<{ first: Date; last: Date; n: string }>(
    `SELECT min(received_at) AS first, max(received_at) AS last, count(*) AS n
       FROM attempts WHERE attempt_id LIKE $1`,
    [`${marker}-%`],
  );
  const row = rows[0];
  const spanMs = row ? row.last.getTime() - row.first.getTime() : 0;
  const stored = Number(row?.n ?? 0);
  return {
    records: stored,
    rate: stored / (Math.max(spanMs, 1) / 1000),
    wallSeconds: ((row?.last.getTime() ?? Date.now()) - spawnedAt) / 1000,
    complete,
  };
}

async function publish(system: ZajoniSystem, records: number, marker: string): Promise<void> {
  const nc = await connect({ servers: system.nats.url });
  const js = jetstream(nc);
  const subject = transcriptSubject(BENCH.tenant);
  const base = Date.now() - records * 1000;
  for (let start = 0; start < records; start += PUBLISH_WINDOW) {
    const batch = [];
    for (let i = start; i < Math.min(records, start + PUBLISH_WINDOW); i++) {
      const at = new Date(base + i * 1000).toISOString();
      const record = buildTranscript({
        tenant: BENCH.tenant,
        queueId: `${marker}-${i}`,
        attemptId: `${marker}-${i}`,
        authUser: benchUser(0),
        recipient: `r${i}@${BENCH.recipientDomain}`,
        submittedAt: at,
        startedAt: at,
      });
      batch.push(js.publish(subject, JSON.stringify(record), { msgID: record.attemptId }));
    }
    await Promise.all(batch);
  }
  await nc.drain();
}

async function countRows(system: ZajoniSystem): Promise<number> {
  const { rows } = await system.db.query<{ n: string }>('SELECT count(*) AS n FROM attempts');
  return Number(rows[0]?.n ?? 0);
}
