/** One MIME entity: its headers (lower-case names, unfolded) and its parts when multipart. */
export interface MimePart {
  headers: Map<string, string[]>;
  /** Lower-case type/subtype. */
  type: string;
  params: Record<string, string>;
  /** The body as it is on the wire (transfer encoding not undone). */
  body: string;
  parts: MimePart[];
}

/**
 * Splits a message into its MIME tree, for tests that assert the structure mailparser flattens.
 * Handles what MimeNode writes (CRLF, quoted or bare parameters); not a general MIME parser.
 */
export function parseMimeTree(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const [typeValue = 'text/plain', ...paramTexts] = (headers.get('content-type')?.[0] ?? '').split(
    ';',
  );
  const params: Record<string, string> = {};
  for (const text of paramTexts) {
    const eq = text.indexOf('=');
    if (eq > 0)
      params[text.slice(0, eq).trim().toLowerCase()] = text
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  const type = typeValue.trim().toLowerCase() || 'text/plain';
  const boundary = params.boundary;
  const parts = type.startsWith('multipart/') && boundary ? splitParts(body, boundary) : [];
  return { headers, type, params, body, parts };
}

function splitParts(body: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const sections = `\r\n${body}`.split(`\r\n${delimiter}`);
  // sections[0] is the preamble; the last one starts with "--" (the close delimiter).
  return sections
    .slice(1)
    .filter((s) => !s.startsWith('--'))
    .map((s) => parseMimeTree(s.replace(/^[ \t]*\r\n/, '')));
}
