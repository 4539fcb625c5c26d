import type { Pool } from 'pg';
import { parseTranscript, renderTranscriptText, type Transcript } from '#shared';
import { withTenant } from '../db/tenant-scope.ts';
import type { Message } from '../messages/queries.ts';

/**
 * Every delivery record of a message as received from the relay, in the order the connections
 * started. The message was already read within the caller's scope; the tenant condition of
 * row-level security still applies.
 */
export async function loadTranscripts(pool: Pool, message: Message): Promise<Transcript[]> {
  const rows = await withTenant(pool, message.tenant, async (client) => {
    const result = await client.query<{ record: unknown }>(
      `SELECT record FROM attempts WHERE queue_id = $1
        ORDER BY started_at, attempt, host_index, attempt_id`,
      [message.queueId],
    );
    return result.rows;
  });
  return rows.map((row) => parseTranscript(row.record));
}

/** The transcripts as the text a receipt carries (relay and API share the renderer). */
export function transcriptText(transcripts: readonly Transcript[]): string {
  if (transcripts.length === 0) return 'No delivery attempt has been recorded yet.\n';
  return renderTranscriptText(transcripts);
}

/** The transcripts as a JSON document, indented for reading. */
export function transcriptJson(transcripts: readonly Transcript[]): string {
  return `${JSON.stringify(transcripts, null, 2)}\n`;
}
