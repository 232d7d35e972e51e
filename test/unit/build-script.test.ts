import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/paths';

/**
 * `npm start` and `npm test` run `src/cli/build.js --if-stale`: tsc only when a source changed since
 * the last build. Tried on a one-file project of its own (this project's dist/ is in use by the tests).
 */
describe('src/cli/build.js --if-stale', () => {
  const root = mkdtempSync(join(tmpdir(), 'gateway-build-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'src', 'cli', 'build.js'), join(root, 'src', 'cli', 'build.js'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { outDir: 'dist', rootDir: '.', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo', types: [] }, include: ['src/**/*.ts'] }));
  writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 42;\n');
  // Sources older than any build below, as after a checkout.
  const past = new Date(Date.now() - 60_000);
  for (const path of ['tsconfig.json', 'src/main.ts', 'src/cli/build.js', 'src/cli', 'src']) utimesSync(join(root, path), past, past);

  const buildIfStale = () => {
    const result = spawnSync(process.execPath, [join(root, 'src', 'cli', 'build.js'), '--if-stale'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    return { compiled: /Compiling/.test(result.stderr), output: result.stdout + result.stderr };
  };

  it('compiles on a fresh clone (no dist/), then not again while nothing changed', () => {
    assert.equal(buildIfStale().compiled, true);
    assert.ok(existsSync(join(root, 'dist', 'src', 'main.js')));
    const again = buildIfStale();
    assert.equal(again.compiled, false, again.output);
    assert.equal(again.output, '', 'nothing printed');
  });

  it('compiles again after a source is edited, added or removed', () => {
    writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 43;\n');
    assert.equal(buildIfStale().compiled, true, 'edited');
    assert.equal(buildIfStale().compiled, false);
    writeFileSync(join(root, 'src', 'extra.ts'), 'export const extra = 1;\n');
    assert.equal(buildIfStale().compiled, true, 'added');
    assert.ok(existsSync(join(root, 'dist', 'src', 'extra.js')));
    assert.equal(buildIfStale().compiled, false);
    rmSync(join(root, 'src', 'extra.ts'));
    assert.equal(buildIfStale().compiled, true, 'removed');
  });

  it('compiles again, and emits everything, when dist/ lost its output (tsc alone would think it all there)', () => {
    rmSync(join(root, 'dist', 'src'), { recursive: true });
    assert.equal(buildIfStale().compiled, true);
    assert.ok(existsSync(join(root, 'dist', 'src', 'main.js')));
  });
});
