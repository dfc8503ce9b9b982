/**
 * `npm run build:embed`: the publishable package `@propsync/embed` in `dist/embed`.
 *
 * - `index.js` + `propsync.css`: the React components and hooks. React and ReactDOM are the host's
 *   (peers: two Reacts in one page break hooks); React Query and the tRPC client are dependencies,
 *   so the declarations a host type-checks resolve against the very packages the code runs on.
 * - `web-component.js` (ES module) and `propsync-embed.iife.js` (script tag): `<propsync-integrations>`
 *   with React and everything else bundled in, its stylesheet inlined into its shadow root.
 * - `index.d.ts` / `web-component.d.ts` over `types/`: declarations of the client and of the API's
 *   shapes (shared/) only. The build fails if one of them reaches anything else (server, ORM, Node).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { build, type Plugin } from 'vite';

const root = path.resolve(import.meta.dirname, '../..');
const outDir = path.join(root, 'dist/embed');
const typesDir = path.join(outDir, 'types');
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** What `index.js` imports at run time and leaves to the host's install (versions from the root manifest). */
const RUNTIME_DEPENDENCIES = [
  '@tanstack/react-query',
  '@tanstack/react-virtual',
  '@trpc/client',
  '@trpc/server',
  '@trpc/tanstack-react-query',
];
const PEERS = { react: '^19.0.0', 'react-dom': '^19.0.0' };
/** The only packages the declarations may import; anything else would be missing or a leak. */
const DECLARATION_IMPORTS = new Set(['react', 'react/jsx-runtime', 'react-dom', ...RUNTIME_DEPENDENCIES]);

const externalPattern = new RegExp(
  `^(${[...Object.keys(PEERS), ...RUNTIME_DEPENDENCIES].map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})($|/)`,
);

function versionOf(name: string): string {
  const version = rootManifest.dependencies[name] ?? rootManifest.devDependencies[name];
  if (!version) throw new Error(`${name} is not in the root package.json`);
  // The tRPC packages insist on one exact version among themselves; the rest may float.
  return name.startsWith('@trpc/') ? version : `^${version}`;
}

/**
 * The web component injects the stylesheet into its shadow root (`?inline`); the plain `.css`
 * imports the React components carry for the React build would only emit a stray file here.
 */
function dropExtractedCss(): Plugin {
  const EMPTY = '\0propsync-empty-css';
  return {
    name: 'propsync-drop-extracted-css',
    enforce: 'pre',
    resolveId(source) {
      return /\.css$/.test(source) ? EMPTY : null;
    },
    load(id) {
      return id === EMPTY ? 'export {};' : null;
    },
  };
}

async function buildReactLibrary(): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: false,
      sourcemap: true,
      lib: {
        entry: path.join(root, 'client/src/lib/index.ts'),
        formats: ['es'],
        fileName: () => 'index.js',
        cssFileName: 'propsync',
      },
      rolldownOptions: { external: externalPattern },
    },
  });
}

async function buildWebComponent(): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    plugins: [dropExtractedCss(), react()],
    // Library mode leaves process.env alone for the host's bundler; a script tag has none.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: false,
      sourcemap: true,
      lib: {
        entry: path.join(root, 'client/src/web-component/web-component.ts'),
        formats: ['es', 'iife'],
        name: 'PropsyncEmbed',
        fileName: (format) => (format === 'iife' ? 'propsync-embed.iife.js' : 'web-component.js'),
      },
    },
  });
}

function* declarationFiles(folder: string): Generator<string> {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(full);
    else if (entry.name.endsWith('.d.ts')) yield full;
  }
}

const SPECIFIER = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g;

/**
 * Emits the declarations, rewrites the source's `./x.ts` specifiers (Node type stripping needs
 * them; a host's TypeScript resolves `./x.js`), and refuses any declaration that leaves the
 * client and shared/ or imports a package a host would not have.
 */
function buildDeclarations(): void {
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.embed.json'],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.embed.json failed');

  const problems: string[] = [];
  for (const file of declarationFiles(typesDir)) {
    const relative = path.relative(typesDir, file);
    if (!/^(client|shared)\//.test(relative)) problems.push(`${relative}: outside client/ and shared/`);
    const source = fs.readFileSync(file, 'utf8').replace(RELATIVE_TS_SPECIFIER, '$1$2.js$3');
    fs.writeFileSync(file, source);
    for (const [, specifier] of source.matchAll(SPECIFIER)) {
      if (specifier!.startsWith('.')) continue;
      if (!DECLARATION_IMPORTS.has(specifier!)) problems.push(`${relative}: imports ${specifier}`);
    }
    if (/\/\/\/\s*<reference/.test(source)) problems.push(`${relative}: has a triple-slash reference`);
  }
  if (problems.length > 0) {
    throw new Error(`The package's declarations reach beyond the client and its API types:\n  ${problems.join('\n  ')}`);
  }
  fs.writeFileSync(path.join(outDir, 'index.d.ts'), "export * from './types/client/src/lib/index.js';\n");
  fs.writeFileSync(
    path.join(outDir, 'web-component.d.ts'),
    "export * from './types/client/src/web-component/web-component.js';\n",
  );
}

function writeManifest(): void {
  const manifest = {
    name: '@propsync/embed',
    version: rootManifest.version,
    description: 'Propsync embedded UI: React components and hooks, and the <propsync-integrations> custom element',
    type: 'module',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './styles.css': './propsync.css',
      './web-component': { types: './web-component.d.ts', default: './web-component.js' },
      './web-component.iife': './propsync-embed.iife.js',
      './package.json': './package.json',
    },
    main: './index.js',
    types: './index.d.ts',
    // Importing the web component registers the element; the stylesheet is imported for its effect.
    sideEffects: ['*.css', './web-component.js', './propsync-embed.iife.js'],
    files: ['*.js', '*.js.map', '*.css', '*.d.ts', 'types/'],
    peerDependencies: PEERS,
    dependencies: Object.fromEntries(RUNTIME_DEPENDENCIES.map((name) => [name, versionOf(name)])),
  };
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

fs.rmSync(outDir, { recursive: true, force: true });
await buildReactLibrary();
await buildWebComponent();
buildDeclarations();
writeManifest();
console.log(`@propsync/embed ${rootManifest.version} built in ${path.relative(root, outDir)}`);
