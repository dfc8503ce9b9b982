import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRMS } from '../test-support/crms.ts';

const ADAPTERS_DIR = path.dirname(new URL(import.meta.url).pathname);
const SERVER_DIR = path.dirname(ADAPTERS_DIR);

function sourceFiles(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true, recursive: true })
    .flatMap((entry) =>
      entry.isFile() && /\.tsx?$/.test(entry.name) ? [path.join(entry.parentPath, entry.name)] : [],
    );
}

/** Every relative import of a file, resolved to an absolute path. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
    path.resolve(path.dirname(file), match[1]!),
  );
}

const REPOSITORY_DIR = path.dirname(SERVER_DIR);
const SIMULATORS_DIR = path.join(REPOSITORY_DIR, 'simulators');
const adapterFolders = CRMS.map((crm) => path.join(ADAPTERS_DIR, crm.adapter.info.id));
const simulatorFolders = CRMS.map((crm) => path.join(SIMULATORS_DIR, crm.adapter.info.id));
const crmFolders = [...adapterFolders, ...simulatorFolders];

describe('CRM folders', () => {
  it('exist as server/adapters/<provider>/ (the adapter) and simulators/<provider>/ (its simulator)', () => {
    for (const crm of CRMS) {
      const id = crm.adapter.info.id;
      expect(fs.existsSync(path.join(ADAPTERS_DIR, id, `${id}.adapter.ts`)), id).toBe(true);
      expect(fs.existsSync(path.join(SIMULATORS_DIR, id, 'README.md')), id).toBe(true);
    }
  });

  it('never import one another (each CRM stays independent)', () => {
    const crossings: string[] = [];
    for (const [index, folder] of crmFolders.entries()) {
      const id = CRMS[index % CRMS.length]!.adapter.info.id;
      const others = crmFolders.filter((other) => path.basename(other) !== id);
      for (const file of sourceFiles(folder)) {
        for (const target of importsOf(file)) {
          if (others.some((other) => target.startsWith(other + path.sep))) {
            crossings.push(`${path.relative(REPOSITORY_DIR, file)} → ${path.relative(REPOSITORY_DIR, target)}`);
          }
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it('are not imported by the adapter kit or the simulator toolkit', () => {
    const shared = [path.join(ADAPTERS_DIR, 'adapter-kit'), path.join(SIMULATORS_DIR, 'toolkit')];
    const offenders = shared.flatMap((directory) =>
      sourceFiles(directory).flatMap((file) =>
        importsOf(file)
          .filter((target) => crmFolders.some((folder) => target.startsWith(folder + path.sep)))
          .map((target) => `${path.relative(REPOSITORY_DIR, file)} → ${path.relative(REPOSITORY_DIR, target)}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('simulators never import the adapters (a simulator keeps its own copy of what the CRM documents)', () => {
    const adaptersDir = ADAPTERS_DIR + path.sep;
    const offenders = sourceFiles(SIMULATORS_DIR)
      .filter((file) => !/\.test\.tsx?$/.test(file))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => target.startsWith(adaptersDir))
          .map((target) => `${path.relative(REPOSITORY_DIR, file)} → ${path.relative(REPOSITORY_DIR, target)}`),
      );
    expect(offenders).toEqual([]);
  });

  it('are the only place CRMs are named: no other source lists providers (adding one needs no edit there)', () => {
    const ids = CRMS.map((crm) => crm.adapter.info.id);
    const outside = ['server', 'shared', path.join('client', 'src')]
      .flatMap((directory) => sourceFiles(path.join(REPOSITORY_DIR, directory)))
      .filter((file) => !crmFolders.some((folder) => file.startsWith(folder + path.sep)))
      // Tests, stories and their fixtures name CRMs on purpose; migrations are history.
      .filter((file) => !/\.(test|stories)\.tsx?$|fixtures|[\\/]migrations[\\/]/.test(file));
    const listing = outside.flatMap((file) => {
      const source = fs.readFileSync(file, 'utf8');
      const named = ids.filter((id) => new RegExp(`['"\`]${id}['"\`]`).test(source));
      return named.length >= 2 ? [`${path.relative(REPOSITORY_DIR, file)}: ${named.join(', ')}`] : [];
    });
    expect(outside.length).toBeGreaterThan(50);
    expect(listing).toEqual([]);
  });
});

/** Every text file under a folder, skipping installed packages and build output. */
function textFiles(directory: string): string[] {
  const skip = /[\\/](node_modules|dist|storybook-static|test-results|playwright-report|bench-results|\.data)([\\/]|$)/;
  return fs
    .readdirSync(directory, { withFileTypes: true, recursive: true })
    .flatMap((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return entry.isFile() && !skip.test(file) && /\.(tsx?|md|ya?ml|json|html|css)$/.test(entry.name)
        ? [file]
        : [];
    });
}

/**
 * Citations of documents that live outside the repository (the reference notes and the product
 * documents the project started from). Built from parts so this file does not match itself.
 */
const OUTSIDE_CITATIONS = [
  new RegExp(['crm', 'apis'].join('-'), 'i'),
  new RegExp(['shared', '(seeds|reference)'].join('/'), 'i'),
  new RegExp(['seeds?', '0\\d\\d'].join(' '), 'i'),
];

describe('CRM documentation', () => {
  it('every registered CRM has docs/crms/<id>.md, with its sources and known gaps', () => {
    const missing = CRMS.map((crm) => crm.adapter.info.id).filter((id) => {
      const file = path.join(REPOSITORY_DIR, 'docs', 'crms', `${id}.md`);
      if (!fs.existsSync(file)) return true;
      const text = fs.readFileSync(file, 'utf8');
      return !/Source/.test(text) || !/## Known gaps/.test(text);
    });
    expect(missing).toEqual([]);
  });

  it('no file cites documents outside the repository (cite docs/crms/<crm>.md or docs/product-rules.md)', () => {
    const files = ['server', 'simulators', 'client', 'shared', 'docs', 'scripts', 'e2e', 'bench', 'chaos']
      .flatMap((directory) => textFiles(path.join(REPOSITORY_DIR, directory)))
      .concat(path.join(REPOSITORY_DIR, 'README.md'));
    const citing = files.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          OUTSIDE_CITATIONS.some((pattern) => pattern.test(line))
            ? [`${path.relative(REPOSITORY_DIR, file)}:${index + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(citing).toEqual([]);
  });
});
