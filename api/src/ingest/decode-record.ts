import { InvalidRecordError, parseTranscript, type Transcript } from '#shared';

/** What the consumer passes for a stream message whose data is not JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * Reads a transcript from a stream message's parsed JSON `body` (NOT_JSON when it did not
 * parse), published on `subject`: the shared schema, and the checks the schema cannot express.
 * Throws InvalidRecordError naming every problem found.
 */
export function decodeRecord(body: unknown, subject: string): Transcript {
  if (body === NOT_JSON) throw new InvalidRecordError('transcript', ['(root): not JSON']);
  const record = parseTranscript(body);
  const issues = consistencyIssues(record, subject);
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
