import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { basicScript, startScriptedMx, type ScriptedMx } from './scripted-mx.ts';

describe('startScriptedMx', () => {
  const servers: ScriptedMx[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('answers a client that speaks before the end of the banner with 554 and closes', async () => {
    const mx = await startScriptedMx(
      basicScript({ banner: ['220-mx.test', '220 ready'], bannerLineDelayMs: 200 }),
    );
    servers.push(mx);
    const socket = connect(mx.port, mx.host);
    await once(socket, 'connect');
    socket.write('EHLO early.test\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'close');

    assert.equal(Buffer.concat(chunks).toString(), '220-mx.test\r\n554 5.5.1 protocol error\r\n');
    assert.equal(mx.connections[0]?.pregreeted, true);
    assert.deepEqual(mx.connections[0]?.commands, []);
  });
});
