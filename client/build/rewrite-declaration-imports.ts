/**
 * The source imports siblings as `./x.ts` / `./x.tsx` (Node type stripping needs the real
 * extension); the emitted declarations keep those specifiers, which a consumer's TypeScript does
 * not resolve. Rewrites relative specifiers in `dist/lib/types` to `.js`, as the published files say.
 */
import fs from 'node:fs';
import path from 'node:path';

const directory = path.resolve(import.meta.dirname, '../../dist/lib/types');
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g;

function* declarationFiles(folder: string): Generator<string> {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(full);
    else if (entry.name.endsWith('.d.ts')) yield full;
  }
}

let rewritten = 0;
for (const file of declarationFiles(directory)) {
  const source = fs.readFileSync(file, 'utf8');
  const result = source.replace(RELATIVE_TS_SPECIFIER, '$1$2.js$3');
  if (result !== source) {
    fs.writeFileSync(file, result);
    rewritten++;
  }
}
console.log(`rewrote relative imports in ${rewritten} declaration files`);
