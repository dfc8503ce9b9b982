import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const REPOSITORY_DIR = path.resolve(import.meta.dirname, '../..');

/** The production entry points: the server, the worker and the operator CLI. */
const ENTRY_POINTS = ['server/entry/main.ts', 'server/entry/worker.ts', 'server/entry/cli/propsync.ts'];

/** Every repository file a bundler pulls in from the entry points (packages stay external). */
async function productionModules(): Promise<string[]> {
  const result = await build({
    absWorkingDir: REPOSITORY_DIR,
    entryPoints: ENTRY_POINTS,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    outdir: 'module-graph-out',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('the production module graph', () => {
  it('loads no simulator and no test wiring, only the product', async () => {
    const modules = await productionModules();
    // The walk is real: it reaches every adapter through the registry.
    expect(modules).toContain('server/adapters/registry.ts');
    expect(modules).toContain('server/adapters/reapit/reapit.adapter.ts');
    expect(modules.filter((file) => file.startsWith('simulators/'))).toEqual([]);
    expect(modules.filter((file) => file.startsWith('server/test-support/'))).toEqual([]);
    expect(modules.filter((file) => /\.test\.tsx?$/.test(file))).toEqual([]);
  }, 60_000);
});
