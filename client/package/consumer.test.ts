/**
 * The published package as a host gets it: `npm run build:embed`, `npm pack`, the tarball
 * installed from scratch into a new host app (React from the registry), then the host's code
 * type-checked with `strict` and `skipLibCheck: false` by the project's TypeScript. Correct use
 * must compile with no error in any declaration file; a wrong use of a hook's data must not.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const packageDirectory = path.join(root, 'dist/embed');
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// npm run from inside `npm exec`/`npm test` inherits npm_* settings meant for this project.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: cleanEnv, maxBuffer: 64 * 1024 * 1024 });
}

function mustRun(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

const GOOD_HOST = `
import {
  ConnectionList,
  IntegrationsPage,
  PropsyncProvider,
  PropsyncRoot,
  useConflict,
  useConnectionActions,
  useConnections,
  type ConnectionSummary,
  type PropsyncClientError,
} from '@propsync/embed';
import '@propsync/embed/styles.css';
import { definePropsyncIntegrations, type PropsyncIntegrationsElement } from '@propsync/embed/web-component';

function ConnectionNames() {
  const connections = useConnections();
  const { syncNow } = useConnectionActions();
  const names: string[] = (connections.data ?? []).map((connection: ConnectionSummary) => connection.providerName);
  const error: PropsyncClientError | null = connections.error;
  const code: string | null | undefined = error?.data?.propsyncCode;
  const fields: string[] = useConflict(null).data?.differingFields ?? [];
  return (
    <button type="button" onClick={() => syncNow.mutate({ connectionId: 'id' })}>
      {names.join(', ')} {code} {fields.length}
    </button>
  );
}

export function HostPage() {
  return (
    <PropsyncProvider baseUrl="https://propsync.example.com" getToken={async () => 'token'}>
      <PropsyncRoot>
        <ConnectionNames />
        <ConnectionList connections={[]} />
      </PropsyncRoot>
      <IntegrationsPage readOnly onViewContact={(contactId: string) => console.log(contactId)} />
    </PropsyncProvider>
  );
}

definePropsyncIntegrations();
const element: PropsyncIntegrationsElement = document.createElement('propsync-integrations');
element.getToken = async () => 'token';
element.setAttribute('base-url', 'https://propsync.example.com');
`;

// A connection's contact count is a number: treating it as a string must be a compile error.
const WRONG_HOST = `
import { useConnections } from '@propsync/embed';

export function WrongCount() {
  const count: string = useConnections().data?.[0]?.contactCount ?? '';
  return <p>{count}</p>;
}
`;

describe('@propsync/embed, packed and installed into a new host app', () => {
  let host: string;
  let packedFiles: string[];
  let typecheck: SpawnSyncReturns<string>;

  beforeAll(() => {
    host = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-host-'));
    mustRun(process.execPath, [path.join(root, 'client/build/build-embed.ts')], root);
    const [packed] = JSON.parse(
      mustRun('npm', ['pack', '--json', '--pack-destination', host], packageDirectory),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    packedFiles = packed!.files.map((file) => file.path).sort();

    const exact = (name: string) => rootManifest.dependencies[name] ?? rootManifest.devDependencies[name];
    fs.writeFileSync(
      path.join(host, 'package.json'),
      JSON.stringify({
        name: 'propsync-host-check',
        private: true,
        type: 'module',
        dependencies: {
          '@propsync/embed': `file:./${packed!.filename}`,
          react: exact('react'),
          'react-dom': exact('react-dom'),
          '@types/react': exact('@types/react'),
        },
      }),
    );
    fs.writeFileSync(
      path.join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          jsx: 'react-jsx',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          // No Node types: a browser host has none, and the package must not need them.
          types: [],
        },
        include: ['src'],
      }),
    );
    fs.mkdirSync(path.join(host, 'src'));
    fs.writeFileSync(path.join(host, 'src/host-page.tsx'), GOOD_HOST);
    fs.writeFileSync(path.join(host, 'src/wrong-count.tsx'), WRONG_HOST);
    mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], host);
    typecheck = run(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--pretty', 'false'],
      host,
    );
  }, 300_000);

  afterAll(() => {
    if (host) fs.rmSync(host, { recursive: true, force: true });
  });

  it('packs the build only: the package entry points and declarations, no source, tests or server', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'index.js',
        'index.d.ts',
        'propsync.css',
        'web-component.js',
        'web-component.d.ts',
        'propsync-embed.iife.js',
      ]),
    );
    const outsideTheBuild = packedFiles.filter(
      (file) =>
        !/^(package\.json|[\w.-]+\.(js|js\.map|css|d\.ts)|types\/(client\/src|shared\/api)\/[\w/.-]+\.d\.ts)$/.test(
          file,
        ),
    );
    expect(outsideTheBuild).toEqual([]);
    expect(packedFiles.filter((file) => /server|\.test\.|\.stories\.|bench/.test(file))).toEqual([]);
  });

  it("installs with React as the host's own: one copy, a peer of the package", () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(host, 'node_modules/@propsync/embed/package.json'), 'utf8'),
    ) as { peerDependencies: Record<string, string>; dependencies: Record<string, string> };
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['react', 'react-dom']);
    expect(manifest.dependencies).not.toHaveProperty('react');
    expect(fs.existsSync(path.join(host, 'node_modules/@propsync/embed/node_modules/react'))).toBe(false);
  });

  it("type-checks with skipLibCheck off: the hooks' data is typed, so only the wrong use fails", () => {
    const errors = typecheck.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toEqual([
      "src/wrong-count.tsx(5,9): error TS2322: Type 'number | \"\"' is not assignable to type 'string'.",
    ]);
  });
});
