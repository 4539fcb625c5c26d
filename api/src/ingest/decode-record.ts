import type { JsMsg } from '@nats-io/jetstream';
import { InvalidRecordError, parseTranscript, type Transcript } from '#shared';

/**
 * Reads a transcript from a stream message: JSON, the shared schema, and the checks the schema
 * cannot express. Throws InvalidRecordError naming every problem found.
 */
export function decodeRecord(msg: JsMsg): Transcript {
  let body: unknown;
  try {
    body = msg.json();
  } catch (error) {
    throw new InvalidRecordError('transcript', ['(root): not JSON'], { cause: error });
  }
  const record = parseTranscript(body);
  const issues = consistencyIssues(record, msg.subject);
  if (issues.length > 0) throw new InvalidRecordError('transcript', issues);
  return record;
}

function consistencyIssues(record: Transcript, subject: string): string[] {
  const issues: string[] = [];
  // The subject is zajoni.transcripts.<tenant>: a record must not speak for another tenant.
  const subjectTenant = subject.split('.').at(-1);
  if (subjectTenant !== record.tenant) {
    issues.push(`tenant: ${record.tenant} does not match subject ${subject}`);
  }
  const seen = new Set<string>();
  for (const outcome of record.recipients) {
    if (seen.has(outcome.address)) issues.push(`recipients: ${outcome.address} appears twice`);
    seen.add(outcome.address);
  }
  return issues;
}
