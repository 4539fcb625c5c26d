import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSelfSignedCertificate } from '../../../scripts/stack/index.ts';
import { checkTlsSecret } from './tls.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('checkTlsSecret', () => {
  it('names a missing Secret', () => {
    const result = checkTlsSecret(undefined, 'ns', 'relay-tls');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.failure.reason, 'TLSSecretNotFound');
  });

  it('names the keys a Secret lacks', () => {
    const result = checkTlsSecret({ data: {} }, 'ns', 'relay-tls');
    assert.deepEqual(!result.ok && result.failure, {
      reason: 'TLSSecretInvalid',
      message: 'Secret ns/relay-tls lacks tls.crt and tls.key',
    });
  });

  it('refuses data that is not PEM', () => {
    const result = checkTlsSecret(
      { data: { 'tls.crt': b64('junk'), 'tls.key': b64('junk') } },
      'ns',
      'relay-tls',
    );
    assert.equal(!result.ok && result.failure.reason, 'TLSSecretInvalid');
  });

  it('accepts a certificate and key, and hashes the certificate', async () => {
    const { cert, key } = await createSelfSignedCertificate({ commonName: 'relay.example' });
    const secret = { data: { 'tls.crt': b64(cert), 'tls.key': b64(key) } };
    const result = checkTlsSecret(secret, 'ns', 'relay-tls');
    assert.equal(result.ok, true);
    assert.match(result.ok ? result.certificateHash : '', /^[0-9a-f]{16}$/);
  });
});
