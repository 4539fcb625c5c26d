import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PlatformAdminTokenError } from '../errors.ts';
import { createPlatformAdminToken, loadPlatformAdminToken } from './platform-admin-token.ts';

const TOKEN = 'Q7f2Lr9XkP0aZ3mN8sT1vW6yB4cD5eG2hJ9kL0pQ';

describe('configured platform admin token', () => {
  it('matches the token only, not a prefix, an extension or another token', () => {
    const token = createPlatformAdminToken(TOKEN);
    assert.equal(token.matches(TOKEN), true);
    for (const other of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toLowerCase(), '']) {
      assert.equal(token.matches(other), false, other);
    }
  });

  it('refuses a short token or one with white space', () => {
    for (const weak of ['short', `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`]) {
      assert.throws(() => createPlatformAdminToken(weak), PlatformAdminTokenError);
    }
  });

  it('reads a Secret file, dropping one trailing newline; a missing file names the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zajoni-token-'));
    try {
      await writeFile(join(dir, 'token'), `${TOKEN}\n`);
      const token = await loadPlatformAdminToken(join(dir, 'token'));
      assert.equal(token.matches(TOKEN), true);
      await assert.rejects(loadPlatformAdminToken(join(dir, 'absent')), (error: unknown) => {
        assert.ok(error instanceof PlatformAdminTokenError);
        assert.match(error.message, /^cannot read PLATFORM_ADMIN_TOKEN_FILE /);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
