/**
 * The test command: runs every compiled test file on node:test (files in parallel, each in its own
 * process and database), prints the spec report, and ends with one line `N passed, N failed`.
 *
 * Two passes, one after the other: the PostgreSQL pass (unit, end-to-end and browser files, on the
 * server DATABASE_URL names) and the embedded pass (end-to-end and browser files again, with
 * TEST_DATABASE=embedded and no DATABASE_URL: every app a test starts runs on PGlite in its own
 * DATA_DIR, the default a newcomer runs). Each top-level test's name carries its pass, `[postgres]`
 * or `[embedded]`, and the last line counts both. TEST_DATABASE=postgres or =embedded runs that pass alone.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Transform } from 'node:stream';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

type Pass = 'postgres' | 'embedded';

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = findTests(__dirname)
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
const unitFiles = new Set(files.filter((file) => file.includes(`${sep}unit${sep}`)));

const only = process.env.TEST_DATABASE;
if (only !== undefined && only !== 'postgres' && only !== 'embedded') {
  process.stderr.write(`TEST_DATABASE must be "postgres" or "embedded" (or unset for both passes), got "${only}"\n`);
  process.exit(2);
}
const passes: Pass[] = only ? [only as Pass] : ['postgres', 'embedded'];
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);

let passed = 0;
let failed = 0;

/** Runs one pass's files; its child processes inherit the pass's environment (node:test spawns them from process.env). */
async function runPass(pass: Pass, passFiles: string[]): Promise<void> {
  if (pass === 'embedded') {
    process.env.TEST_DATABASE = 'embedded';
    delete process.env.DATABASE_URL;
  } else {
    delete process.env.TEST_DATABASE;
  }
  process.stdout.write(`\n== ${pass} pass: ${passFiles.length} files${pass === 'embedded' ? ' on the embedded database (PGlite, no DATABASE_URL)' : ' on PostgreSQL'}\n\n`);
  const stream = run({ files: passFiles, concurrency, timeout: 10 * 60_000 });
  stream.on('test:pass', (event) => {
    if ((event.details as { type?: string }).type !== 'suite' && !event.skip && !event.todo) passed += 1;
  });
  stream.on('test:fail', (event) => {
    if ((event.details as { type?: string }).type !== 'suite') failed += 1;
  });
  // The pass in each top-level name, so a failure listed in the summary says which database it ran on.
  const label = new Transform({
    objectMode: true,
    transform(event: { type: string; data?: { name?: string; nesting?: number } }, _encoding, done) {
      if (event.data && event.data.nesting === 0 && typeof event.data.name === 'string') {
        event = { ...event, data: { ...event.data, name: `[${pass}] ${event.data.name}` } };
      }
      done(null, event);
    },
  });
  const report = stream.pipe(label).compose(new spec());
  report.pipe(process.stdout, { end: false });
  await new Promise<void>((resolve, reject) => {
    report.on('end', resolve);
    report.on('error', reject);
  });
}

void (async () => {
  for (const pass of passes) {
    const passFiles = pass === 'embedded' ? files.filter((file) => !unitFiles.has(file)) : files;
    if (passFiles.length > 0) await runPass(pass, passFiles);
  }
  // After the reporters' own summaries, so this is the run's last line.
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
})();
