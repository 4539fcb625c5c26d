import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRemoteQueueId } from './queue-id.ts';
import { parseReplyText } from './reply.ts';

function idOf(text: string): string | null {
  const reply = parseReplyText(text);
  assert.ok(reply, `not a reply: ${text}`);
  return parseRemoteQueueId(reply);
}

describe('parseRemoteQueueId', () => {
  const cases: [string, string, string][] = [
    ['Postfix', '250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3', '4ZxK2b1Q9Nz3'],
    ['Postfix short id', '250 2.0.0 Ok: queued as 1A2B3C4D5E', '1A2B3C4D5E'],
    ['Exim', '250 OK id=1rT4Ab-000123-Cd', '1rT4Ab-000123-Cd'],
    ['Exim 4.97', '250 OK id=1rT4Ab-00000000123-Cdef', '1rT4Ab-00000000123-Cdef'],
    ['Sendmail', '250 2.0.0 4B1Hx0ab012345 Message accepted for delivery', '4B1Hx0ab012345'],
    [
      'Exchange',
      '250 2.6.0 <a1b2@mail.example.com> [InternalId=123, Hostname=EX01.example.com] Queued mail for delivery',
      '123',
    ],
    [
      'Microsoft 365 inbound',
      '250 2.6.0 <x@y.prod.outlook.com> [InternalId=25890431287298, Hostname=AM0PR01MB1234.eurprd01.prod.exchangelabs.com] 5321 bytes in 0.123, 42.1 KB/sec Queued mail for delivery',
      '25890431287298',
    ],
    [
      'Microsoft 365 submission',
      '250 2.0.0 OK <AM0PR01MB1234.abc@AM0PR01MB1234.eurprd01.prod.outlook.com> [Hostname=AM0PR01MB1234.eurprd01.prod.outlook.com]',
      'AM0PR01MB1234.abc@AM0PR01MB1234.eurprd01.prod.outlook.com',
    ],
    ['Gmail', '250 2.0.0 OK  1700000000 a1si123.456 - gsmtp', 'a1si123.456'],
    [
      'Amazon SES',
      '250 Ok 0100018b5c3c0a4f-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6-000000',
      '0100018b5c3c0a4f-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6-000000',
    ],
  ];
  for (const [mta, text, id] of cases) {
    it(`reads the queue id of ${mta}`, () => {
      assert.equal(idOf(text), id);
    });
  }

  it('finds the id on a later line of a multi-line reply', () => {
    assert.equal(idOf('250-2.0.0 Thanks\n250 2.0.0 Ok: queued as 9F8E7D6C5B'), '9F8E7D6C5B');
  });

  it('returns null when the reply names no id', () => {
    assert.equal(idOf('250 2.0.0 Ok'), null);
    assert.equal(idOf('250 OK'), null);
    assert.equal(idOf('250 2.0.0 Ok Message accepted for delivery'), null);
    assert.equal(idOf('250 Message received'), null);
  });

  it('returns null for a refusal even when it names an id', () => {
    assert.equal(idOf('554 5.7.1 Rejected, queued as 4ZxK2b1Q9Nz3 was not'), null);
  });
});
