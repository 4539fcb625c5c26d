import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An attribute value as OTLP/JSON encodes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

type Plain = string | number | boolean | Plain[] | null;

/** One exported span, flattened: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, Plain>;
  links: { traceId: string; spanId: string; attributes: Record<string, Plain> }[];
  events: { name: string; attributes: Record<string, Plain> }[];
  status: { code?: number; message?: string };
}

export interface OtlpReceiver {
  /** Base URL; the traces endpoint is `${url}/v1/traces`. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

/**
 * A minimal OTLP/HTTP traces receiver for tests, on loopback: it takes `http/json` export
 * requests (the protocol the services are started with) and keeps every span it was sent.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const json = request.headers['content-type']?.startsWith('application/json');
      if (request.url !== '/v1/traces' || request.method !== 'POST' || !json) {
        response.writeHead(415).end();
        return;
      }
      spans.push(...decodeSpans(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: RawSpan[] }[];
  }[];
}

interface RawSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string; attributes?: KeyValue[] }[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { code?: number; message?: string };
}

function decodeSpans(body: ExportRequest): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs) => {
    const service = String(plainAttributes(rs.resource?.attributes)['service.name'] ?? '');
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        service,
        traceId: hexId(s.traceId),
        spanId: hexId(s.spanId),
        parentSpanId: s.parentSpanId ? hexId(s.parentSpanId) : '',
        name: s.name,
        kind: s.kind,
        attributes: plainAttributes(s.attributes),
        links: (s.links ?? []).map((l) => ({
          traceId: hexId(l.traceId),
          spanId: hexId(l.spanId),
          attributes: plainAttributes(l.attributes),
        })),
        events: (s.events ?? []).map((e) => ({
          name: e.name,
          attributes: plainAttributes(e.attributes),
        })),
        status: s.status ?? {},
      })),
    );
  });
}

/** OTLP/JSON ids are hex (the spec); base64, protobuf's JSON mapping, is accepted too. */
function hexId(id: string): string {
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function plainAttributes(list: KeyValue[] | undefined): Record<string, Plain> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

function plain(value: AnyValue): Plain {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return null;
}
