import type { Reply } from '#shared';
import { replyClass } from '../transcript/index.ts';

/** What a server offered in its reply to EHLO. */
export interface EhloCapabilities {
  /** Upper-case EHLO keywords (RFC 5321 section 4.1.1.1), e.g. SMTPUTF8, SIZE, PIPELINING. */
  keywords: ReadonlySet<string>;
  /** Largest message in octets from SIZE (RFC 1870 section 4); null when absent or 0 (no limit). */
  sizeLimit: number | null;
}

/** No extension at all: what a server answering HELO, or refusing EHLO, offers. */
export const NO_CAPABILITIES: EhloCapabilities = { keywords: new Set(), sizeLimit: null };

/**
 * Reads the keywords from a 2xx EHLO reply. RFC 5321 section 4.1.1.1: the first line names the
 * server, every further line is `keyword [params]`.
 */
export function parseEhlo(reply: Reply | null): EhloCapabilities {
  if (!reply || replyClass(reply) !== 2) return NO_CAPABILITIES;
  const keywords = new Set<string>();
  let sizeLimit: number | null = null;
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', param] = line.slice(4).trim().split(/\s+/);
    keywords.add(keyword.toUpperCase());
    if (keyword.toUpperCase() === 'SIZE' && param && /^\d+$/.test(param) && Number(param) > 0) {
      sizeLimit = Number(param);
    }
  }
  return { keywords, sizeLimit };
}
