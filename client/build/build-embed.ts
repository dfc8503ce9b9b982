/**
 * `npm run build:embed`: the publishable package `@propsync/embed` in `dist/embed`.
 *
 * - `index.js` + `propsync.css`: the React components and hooks. React and ReactDOM are the host's
 *   (peers: two Reacts in one page break hooks); React Query, the tRPC client and the virtualiser
 *   are dependencies, not bundled, so a host that has them already downloads them once.
 * - `web-component.js` (ES module) and `propsync-embed.iife.js` (script tag): `<propsync-integrations>`
 *   with React and everything else bundled in, its stylesheet inlined into its shadow root.
 * - `index.d.ts` / `web-component.d.ts` over `types/`: declarations of the client and of the API's
 *   shapes (shared/api) only, naming no package but React and React Query. The build fails if one
 *   of them reaches anything else (the server, the ORM, Node, tRPC's own declarations).
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
/** The only packages the published declarations may import: React's types are the host's, React Query's come with it. */
const DECLARATION_IMPORTS = new Set(['react', 'react/jsx-runtime', '@tanstack/react-query']);

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

const WEB_COMPONENT_ENTRY = path.join(root, 'client/src/web-component/web-component.ts');

/**
 * The self-contained builds: React and everything else inside, the stylesheet inlined. The script
 * tag's is a library-mode IIFE; the ES module is built as an app entry, because library mode
 * leaves ES output unminified for a host's bundler and this one is final.
 */
async function buildWebComponent(): Promise<void> {
  const shared = {
    configFile: false as const,
    root,
    logLevel: 'warn' as const,
    publicDir: false as const,
    plugins: [dropExtractedCss(), react()],
    // Library mode leaves process.env alone for the host's bundler; a script tag has none.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  };
  // Both add to the package folder the library build has written, so neither empties it.
  const output = {
    outDir,
    emptyOutDir: false,
    // Mostly React's production build: a map of it would triple the download for little.
    sourcemap: false,
  };
  await build({
    ...shared,
    build: {
      ...output,
      lib: {
        entry: WEB_COMPONENT_ENTRY,
        formats: ['iife'],
        name: 'PropsyncEmbed',
        fileName: () => 'propsync-embed.iife.js',
      },
    },
  });
  await build({
    ...shared,
    build: {
      ...output,
      copyPublicDir: false,
      modulePreload: false,
      rolldownOptions: {
        input: WEB_COMPONENT_ENTRY,
        preserveEntrySignatures: 'exports-only',
        output: { format: 'es', entryFileNames: 'web-component.js', codeSplitting: false },
      },
    },
  });
}

const SPECIFIER = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g;
/** `import './x.css';`: styling, which the declarations have no use for and a host cannot resolve. */
const STYLESHEET_IMPORT = /^import\s+['"][^'"]+\.css['"];\n/gm;

/**
 * Emits the declarations, rewrites the source's `./x.ts` specifiers (Node type stripping needs
 * them; a host's TypeScript resolves `./x.js`), keeps only the files the two entry points reach,
 * and refuses any of those that leaves the client and shared/api or imports a package other than
 * React and React Query (tRPC's declarations, for one, need Node's types).
 */
function buildDeclarations(): void {
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.embed.json'],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.embed.json failed');

  const entries = ['client/src/lib/index.d.ts', 'client/src/web-component/web-component.d.ts'];
  const reached = new Set<string>();
  const problems: string[] = [];
  const pending = entries.map((entry) => path.join(typesDir, entry));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    const relative = path.relative(typesDir, file);
    if (!/^(client\/src|shared\/api)\//.test(relative))
      problems.push(`${relative}: outside client/src and shared/api`);
    if (!fs.existsSync(file)) {
      problems.push(`${relative}: not emitted`);
      continue;
    }
    const source = fs
      .readFileSync(file, 'utf8')
      .replace(RELATIVE_TS_SPECIFIER, '$1$2.js$3')
      .replace(STYLESHEET_IMPORT, '');
    fs.writeFileSync(file, source);
    if (/\/\/\/\s*<reference/.test(source)) problems.push(`${relative}: has a triple-slash reference`);
    for (const [, specifier] of source.matchAll(SPECIFIER)) {
      if (specifier!.startsWith('.'))
        pending.push(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.d.ts')));
      else if (!DECLARATION_IMPORTS.has(specifier!)) problems.push(`${relative}: imports ${specifier}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `The package's declarations reach beyond the client and its API types:\n  ${problems.join('\n  ')}`,
    );
  }
  // What no entry point reaches (the tRPC bindings, the API description) stays out of the package.
  for (const file of [...declarationFiles(typesDir)]) if (!reached.has(file)) fs.rmSync(file);
  fs.writeFileSync(path.join(outDir, 'index.d.ts'), "export * from './types/client/src/lib/index.js';\n");
  fs.writeFileSync(
    path.join(outDir, 'web-component.d.ts'),
    "export * from './types/client/src/web-component/web-component.js';\n",
  );
  // `import '@propsync/embed/styles.css'` then type-checks in any host, bundler types or not.
  fs.writeFileSync(path.join(outDir, 'propsync.css.d.ts'), 'export {};\n');
}

function* declarationFiles(folder: string): Generator<string> {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(full);
    else if (entry.name.endsWith('.d.ts')) yield full;
  }
}

function writeManifest(): void {
  const manifest = {
    name: '@propsync/embed',
    version: rootManifest.version,
    description:
      'Propsync embedded UI: React components and hooks, and the <propsync-integrations> custom element',
    type: 'module',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './styles.css': { types: './propsync.css.d.ts', default: './propsync.css' },
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
