// Compiles the project (tsc -p tsconfig.json). With --if-stale, only when a source changed since the
// last build through this script: tsc takes several seconds even when it has nothing to emit, and
// `npm start` and `npm test` would pay them on every run. Plain JavaScript (outside tsc's include), as it runs before any build.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, rmSync, statSync, writeFileSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** Written after each successful build, dated when that build began. */
const STAMP = join(DIST, '.build-stamp');
/** What the build reads: the sources (a folder's own date changes when a file is added, removed or renamed), its settings, the installed packages. */
const INPUTS = ['src', 'test', 'migrations', 'tsconfig.json', 'package.json', 'node_modules/.package-lock.json'];

/** The newest modification time under `path`, folders included; 0 when it does not exist. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  let time = stat.mtimeMs;
  if (stat.isDirectory()) for (const name of readdirSync(path)) time = Math.max(time, newest(join(path, name)));
  return time;
}

function upToDate() {
  // dist/ removed in part: tsc's incremental record would still say every output is there.
  if (!existsSync(STAMP) || !existsSync(join(DIST, 'src', 'main.js'))) return false;
  const built = statSync(STAMP).mtimeMs;
  return INPUTS.every((input) => newest(join(ROOT, input)) < built);
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && upToDate()) process.exit(0);
if (ifStale) console.error('Compiling: the sources changed since the last build');

const started = new Date();
if (!existsSync(join(DIST, 'src', 'main.js'))) rmSync(join(DIST, '.tsbuildinfo'), { force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
writeFileSync(STAMP, '');
// Dated at the start, so that a file saved while tsc ran makes the next start build again.
utimesSync(STAMP, started, started);
