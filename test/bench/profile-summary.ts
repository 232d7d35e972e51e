/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`, or `npm run bench -- --profile DIR`): self time
 * by package / area and by function, and inclusive time of selected functions.
 *
 *   node dist/test/bench/profile-summary.js DIR/CPU.….cpuprofile [top=40]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, name: string): string {
  if (!url) return name === '(garbage collector)' ? '(gc)' : name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  const own = /\/dist\/(src|test)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2].split('/').slice(0, own[1] === 'src' ? 1 : 2).join('/')}`;
  return url;
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  const top = Number(topText ?? 40);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  });
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    byArea.set(area(url, functionName), (byArea.get(area(url, functionName)) ?? 0) + time);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    // Inclusive time per area: each sample counted once for every distinct area on its stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const name = area(frame.url, frame.functionName);
      if (!seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + time);
      }
    }
  }
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((sum, [, time]) => sum + time, 0);
  const busy = total - idle;
  const print = (title: string, map: Map<string, number>, limit: number, base: number) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      process.stdout.write(`${((time / base) * 100).toFixed(1).padStart(6)}%  ${(time / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
    }
  };
  process.stdout.write(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)\n`);
  byArea.delete('(idle)');
  byFunction.forEach((_, key) => key.startsWith('(idle)') && byFunction.delete(key));
  print('self time by area', byArea, 30, busy);
  inclusive.delete('(idle)');
  inclusive.delete('(root)');
  print('inclusive time by area (on the stack)', inclusive, 30, busy);
  print('self time by function', byFunction, top, busy);
}

main();
