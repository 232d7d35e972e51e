import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from the compiled test's location. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** A file from test/fixtures, byte for byte. */
export function fixture(name: string): Buffer {
  return readFileSync(join(REPO_ROOT, 'test', 'fixtures', name));
}
