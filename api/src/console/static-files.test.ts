import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findStaticFile } from './static-files.ts';

describe('findStaticFile', () => {
  let dir: string;

  before(async () => {
    const root = await mkdtemp(join(tmpdir(), 'zajoni-static-'));
    dir = join(root, 'dist');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    await writeFile(join(dir, 'assets', 'index-abc.js'), 'export {};');
    await writeFile(join(root, 'secret.txt'), 'secret');
  });

  after(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('serves hashed assets as immutable with their type and the CSP', async () => {
    const file = await findStaticFile(dir, '/assets/index-abc.js');
    assert.equal(file?.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(file?.headers['cache-control'] ?? '', /immutable/);
    assert.match(file?.headers['content-security-policy'] ?? '', /default-src 'self'/);
  });

  it('answers every page path with index.html, revalidated', async () => {
    for (const path of ['/', '/messages/01ABC', '/reset']) {
      const file = await findStaticFile(dir, path);
      assert.equal(Buffer.from(file?.body ?? []).toString(), '<!doctype html>', path);
      assert.equal(file?.headers['cache-control'], 'no-cache');
    }
  });

  it('does not fall back for a missing file, nor leave the folder', async () => {
    assert.equal(await findStaticFile(dir, '/assets/missing.js'), undefined);
    assert.equal(await findStaticFile(dir, '/../secret.txt'), undefined);
    assert.equal(await findStaticFile(dir, '/%2e%2e/secret.txt'), undefined);
  });
});
