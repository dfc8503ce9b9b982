import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPOSITORY_DIR = path.resolve(import.meta.dirname, '..');

/**
 * Folders whose relative imports must form no cycle. Type-only imports count too: a cycle of
 * types is still two modules that cannot be understood, tested or moved apart.
 */
const ROOTS = ['server', 'simulators', 'shared'];

function sourceFiles(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true, recursive: true })
    .flatMap((entry) =>
      entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)
        ? [path.join(entry.parentPath, entry.name)]
        : [],
    );
}

/** Relative imports and re-exports of a file (static, dynamic and type-only), resolved to files. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
    path.resolve(path.dirname(file), match[1]!),
  );
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    lowLink.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('imports', () => {
  it(`form no cycle in ${ROOTS.join(', ')}`, () => {
    const files = ROOTS.flatMap((root) => sourceFiles(path.join(REPOSITORY_DIR, root)));
    const known = new Set(files);
    const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => known.has(target))]));
    const cycles = cyclesOf(graph).map((component) =>
      component.map((file) => path.relative(REPOSITORY_DIR, file)).join(' ↔ '),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(cycles).toEqual([]);
  });

  it('are detected: a two-file cycle is reported', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts', 'c.ts']],
      ['c.ts', []],
    ]);
    expect(cyclesOf(graph)).toEqual([['a.ts', 'b.ts']]);
  });
});
