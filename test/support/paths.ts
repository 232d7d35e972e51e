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

/**
 * The node flags production starts the service with: those of `npm run start:prod` in package.json
 * (`exec node <flags> dist/src/main.js`). Tests and the bench start it with them, as it is deployed.
 */
export function productionNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /^(?:exec\s+)?node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/main\.js$/.exec(scripts['start:prod'] ?? '');
  if (!match) throw new Error(`package.json's start:prod is not "exec node [--flags] dist/src/main.js": ${scripts['start:prod']}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}
