import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/paths';

type Version = [number, number, number];

/** "20.19.0", "20.x", "20" → [20, 19, 0]; missing or wildcard parts are 0 (a lower bound). */
function parse(text: string): Version {
  const parts = text.replace(/^v/, '').split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` satisfies one npm comparator: >=, >, <=, <, =, ^, ~, x-ranges, *. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(comparator)!;
  const [, operator = '', rest] = match;
  if (rest === '*' || rest === 'x' || rest === '') return true;
  const bound = parse(rest);
  const given = rest.replace(/^v/, '').split('.').filter((part) => /^\d+$/.test(part)).length;
  const cmp = compare(version, bound);
  switch (operator) {
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    case '<':
      return cmp < 0;
    case '^':
      return cmp >= 0 && (bound[0] > 0 ? version[0] === bound[0] : version[1] === bound[1]);
    case '~':
      return cmp >= 0 && version[0] === bound[0] && (given < 2 || version[1] === bound[1]);
    default: // "20", "20.x", "20.19.0": every version that starts so
      return version.slice(0, given).every((part, index) => part === bound[index]);
  }
}

function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => satisfiesComparator(version, comparator)),
  );
}

describe('Dependencies run on the Node version README and package.json state', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
  };
  const minimum = parse(/^>=\s*(\S+)$/.exec(manifest.engines.node)![1]);

  it('the range check reads the forms the lockfile uses', () => {
    const v = parse('20.19.0');
    assert.ok(satisfies(v, '>=20.19.0') && satisfies(v, '^20.19.0 || >=22.12.0') && satisfies(v, '>= 18') && satisfies(v, '6.* || 8.* || >= 10.*'));
    assert.ok(!satisfies(v, '>=22') && !satisfies(v, '>=22.12.0') && !satisfies(v, '^18 || ^22') && !satisfies(v, '~20.18.0'));
  });

  it(`every locked package accepts Node ${minimum.join('.')}, so npm install gives no engine warning`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !satisfies(minimum, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
    assert.deepEqual(refusing, []);
  });
});
