import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDnsError, createMxResolver, type DnsClient, orderByPreference } from './mx.ts';

function dnsError(code: string): Error {
  return Object.assign(new Error(`query failed: ${code}`), { code });
}

type Answer<T> = T | string;

/** A DNS client answering from tables; a string answer is thrown as that error code. */
function fakeDns(tables: {
  mx?: Record<string, Answer<{ exchange: string; priority: number }[]>>;
  a?: Record<string, Answer<string[]>>;
  aaaa?: Record<string, Answer<string[]>>;
}): DnsClient & { queries: string[] } {
  const queries: string[] = [];
  const answer = async <T>(
    type: string,
    table: Record<string, Answer<T>> | undefined,
    name: string,
  ) => {
    queries.push(`${type} ${name}`);
    const value = table?.[name];
    if (value === undefined) throw dnsError('ENODATA');
    if (typeof value === 'string') throw dnsError(value);
    return value;
  };
  return {
    queries,
    resolveMx: (name) => answer('MX', tables.mx, name),
    resolve4: (name) => answer('A', tables.a, name),
    resolve6: (name) => answer('AAAA', tables.aaaa, name),
  };
}

describe('createMxResolver', () => {
  it('returns MX hosts by preference with their IPv4 then IPv6 addresses', async () => {
    const dns = fakeDns({
      mx: {
        'example.net': [
          { exchange: 'mx2.example.net', priority: 20 },
          { exchange: 'MX1.example.net.', priority: 10 },
        ],
      },
      a: { 'mx1.example.net': ['192.0.2.1'], 'mx2.example.net': ['192.0.2.2'] },
      aaaa: { 'mx1.example.net': ['2001:db8::1'] },
    });
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.deepEqual(result, {
      kind: 'resolved',
      hosts: [
        { host: 'mx1.example.net', preference: 10, addresses: ['192.0.2.1', '2001:db8::1'] },
        { host: 'mx2.example.net', preference: 20, addresses: ['192.0.2.2'] },
      ],
    });
  });

  it('falls back to the domain itself when it has no MX records (implicit MX)', async () => {
    const dns = fakeDns({ a: { 'example.net': ['192.0.2.7'] } });
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.deepEqual(result, {
      kind: 'resolved',
      hosts: [{ host: 'example.net', preference: null, addresses: ['192.0.2.7'] }],
    });
  });

  it('fails permanently with 5.1.10 for a null MX (RFC 7505)', async () => {
    for (const exchange of ['', '.']) {
      const dns = fakeDns({ mx: { 'example.net': [{ exchange, priority: 0 }] } });
      const result = await createMxResolver({ dns }).resolve('example.net');
      assert.equal(result.kind, 'permanent');
      assert.equal(result.status, '5.1.10');
      assert.match(result.reason, /null MX/);
      // No address look-up is made for a domain that takes no mail.
      assert.deepEqual(dns.queries, ['MX example.net']);
    }
  });

  it('fails permanently with 5.1.2 for a domain that does not exist', async () => {
    const dns = fakeDns({ mx: { 'nowhere.example': 'ENOTFOUND' } });
    const result = await createMxResolver({ dns }).resolve('nowhere.example');
    assert.equal(result.kind, 'permanent');
    assert.equal(result.status, '5.1.2');
  });

  it('fails permanently when neither MX nor address records exist', async () => {
    const dns = fakeDns({});
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.equal(result.kind, 'permanent');
    assert.deepEqual(result.host, { host: 'example.net', preference: null });
  });

  for (const code of ['ESERVFAIL', 'ETIMEOUT', 'EREFUSED', 'ECONNREFUSED']) {
    it(`fails temporarily with 4.4.3 when the MX query fails with ${code}`, async () => {
      const dns = fakeDns({ mx: { 'example.net': code } });
      const result = await createMxResolver({ dns }).resolve('example.net');
      assert.equal(result.kind, 'temporary');
      assert.equal(result.status, '4.4.3');
      assert.match(result.reason, new RegExp(code));
    });
  }

  it('skips an MX host without addresses and keeps the next one', async () => {
    const dns = fakeDns({
      mx: {
        'example.net': [
          { exchange: 'gone.example.net', priority: 10 },
          { exchange: 'mx2.example.net', priority: 20 },
        ],
      },
      a: { 'gone.example.net': 'ENOTFOUND', 'mx2.example.net': ['192.0.2.2'] },
    });
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.equal(result.kind, 'resolved');
    assert.ok(result.kind === 'resolved');
    assert.deepEqual(
      result.hosts.map((h) => h.host),
      ['mx2.example.net'],
    );
  });

  it('fails temporarily when no MX host resolves and one look-up failed temporarily', async () => {
    const dns = fakeDns({
      mx: { 'example.net': [{ exchange: 'mx1.example.net', priority: 10 }] },
      a: { 'mx1.example.net': 'ESERVFAIL' },
      aaaa: { 'mx1.example.net': 'ENODATA' },
    });
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.equal(result.kind, 'temporary');
    assert.deepEqual(result.host, { host: 'mx1.example.net', preference: 10 });
  });

  it('fails permanently with 5.4.4 when every MX host has no address', async () => {
    const dns = fakeDns({
      mx: { 'example.net': [{ exchange: 'mx1.example.net', priority: 10 }] },
      a: { 'mx1.example.net': 'ENOTFOUND' },
      aaaa: { 'mx1.example.net': 'ENOTFOUND' },
    });
    const result = await createMxResolver({ dns }).resolve('example.net');
    assert.equal(result.kind, 'permanent');
    assert.equal(result.status, '5.4.4');
  });

  it('queries an internationalised domain by its A-labels', async () => {
    const dns = fakeDns({
      mx: { 'xn--bcher-kva.example': [{ exchange: 'mx.example', priority: 1 }] },
      a: { 'mx.example': ['192.0.2.9'] },
    });
    const result = await createMxResolver({ dns }).resolve('bücher.example');
    assert.equal(result.kind, 'resolved');
    assert.equal(dns.queries[0], 'MX xn--bcher-kva.example');
  });
});

describe('orderByPreference', () => {
  const records = [
    { exchange: 'c.example', priority: 10 },
    { exchange: 'a.example', priority: 10 },
    { exchange: 'z.example', priority: 5 },
    { exchange: 'b.example', priority: 10 },
  ];

  it('puts the lowest preference first and orders equal preferences by the random draw', () => {
    const draws = [0.9, 0.1, 0.5, 0.3];
    let i = 0;
    const hosts = orderByPreference(records, () => draws[i++] ?? 0).map((h) => h.host);
    assert.deepEqual(hosts, ['z.example', 'a.example', 'b.example', 'c.example']);
  });

  it('gives every order of equal preferences a chance', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const hosts = orderByPreference(records, Math.random).map((h) => h.host);
      assert.equal(hosts[0], 'z.example');
      seen.add(hosts.join(','));
    }
    assert.equal(seen.size, 6);
  });
});

describe('classifyDnsError', () => {
  it('tells no-data, NXDOMAIN and temporary failures apart by error code', () => {
    assert.equal(classifyDnsError(dnsError('ENODATA')), 'nodata');
    assert.equal(classifyDnsError(dnsError('ENOTFOUND')), 'nxdomain');
    assert.equal(classifyDnsError(dnsError('ESERVFAIL')), 'temporary');
    assert.equal(classifyDnsError(new Error('no code')), 'temporary');
  });
});
