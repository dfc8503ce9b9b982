import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { chromium } from 'playwright-core';
import { chromiumPath } from '../../scripts/ensure-chromium.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';

const root = path.resolve(import.meta.dirname, '../..');
const STORY = 'audit-auditlogviewer--hundred-thousand-cycles';
/** A frame budget for "smooth": 60 fps. */
const FRAME_MS = 1000 / 60;

/**
 * The embeddable UI: the embed package's size (gzip), the React build and the self-contained web
 * component separately, and the audit-log viewer holding 100,000 cycles in Chromium — rows in the
 * DOM, first render, and frame times while scrolling through the list, against the 60 fps budget.
 */
export async function adminUiRow(context: BenchContext): Promise<BenchRowResult[]> {
  context.log('admin UI: building the embed package and the static Storybook…');
  build(['client/build/build-embed.ts']);
  build(['node_modules/storybook/dist/bin/dispatcher.js', 'build', '--quiet', '-o', 'storybook-static']);
  const packageDirectory = path.join(root, 'dist/embed');
  const sizeOf = (file: string) => {
    const bytes = fs.readFileSync(path.join(packageDirectory, file));
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  };
  // The React build: what the package adds to a React host (React, React Query and tRPC are installed beside it).
  const sizes = ['index.js', 'propsync.css'].map(sizeOf);
  const gzipTotal = sizes.reduce((sum, entry) => sum + entry.gzipBytes, 0);
  // The web component: everything in one file, React and the stylesheet included.
  const webComponentSizes = ['web-component.js', 'propsync-embed.iife.js'].map(sizeOf);
  const scriptTag = webComponentSizes[1]!;
  const reactGzip = reactSizeGzip();

  const app = express().use(express.static(path.join(root, 'storybook-static')));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const startedAt = performance.now();
    await page.goto(`http://127.0.0.1:${port}/iframe.html?id=${STORY}&viewMode=story`);
    await page.getByTestId('audit-log-row').first().waitFor({ timeout: 60_000 });
    const firstRenderMs = performance.now() - startedAt;
    const scroll = await page.evaluate(async () => {
      const list = document.querySelector('[data-testid="audit-log-viewport"]');
      const scroller = (list as HTMLElement | null) ?? document.scrollingElement!;
      const frames: number[] = [];
      let maxRows = 0;
      const end = scroller.scrollHeight - scroller.clientHeight;
      // A fast fling from the middle of the list: one screenful per frame, 240 frames.
      scroller.scrollTop = end / 2;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      let last = performance.now();
      for (let step = 0; step < 240; step++) {
        scroller.scrollTop += scroller.clientHeight;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid="audit-log-row"]').length);
      }
      // And straight to the 100,000th cycle.
      scroller.scrollTop = end;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const lastRow = document.querySelectorAll('[data-testid="audit-log-row"]');
      return {
        frames,
        maxRows,
        reachedEnd: scroller.scrollTop >= end - 2,
        lastVisible: lastRow[lastRow.length - 1]?.textContent ?? '',
      };
    });
    scroll.frames.sort((a, b) => a - b);
    const p95 = scroll.frames[Math.floor(scroll.frames.length * 0.95)]!;
    const median = scroll.frames[Math.floor(scroll.frames.length / 2)]!;
    const results: BenchRowResult[] = [
      {
        row: 'Component library size, React build (gzip)',
        measured: `${fmt(gzipTotal / 1024, 1)} KB gzip (${sizes.map((entry) => `${entry.file} ${fmt(entry.gzipBytes / 1024, 1)} KB`).join(', ')})`,
        baseline: reactGzip
          ? `React + ReactDOM, which the host already ships: ${fmt(reactGzip / 1024, 1)} KB gzip`
          : '—',
        ratio: reactGzip ? gzipTotal / reactGzip : null,
        ratioLabel: reactGzip ? `${fmt(gzipTotal / reactGzip, 2)}× React` : '—',
        target: 'reported',
        met: null,
        notes:
          'React is a peer; React Query, the tRPC client and the virtualiser are dependencies installed beside it, not counted here',
        details: { sizes, reactGzip },
      },
      {
        row: 'Web component, self-contained (gzip)',
        measured: `${fmt(scriptTag.gzipBytes / 1024, 1)} KB gzip for the script tag (${webComponentSizes.map((entry) => `${entry.file} ${fmt(entry.gzipBytes / 1024, 1)} KB`).join(', ')})`,
        baseline: reactGzip ? `React + ReactDOM alone: ${fmt(reactGzip / 1024, 1)} KB gzip` : '—',
        ratio: reactGzip ? scriptTag.gzipBytes / reactGzip : null,
        ratioLabel: reactGzip ? `${fmt(scriptTag.gzipBytes / reactGzip, 2)}× React` : '—',
        target: 'reported',
        met: null,
        notes:
          'React, ReactDOM, React Query, the tRPC client and the stylesheet all inside; the page needs nothing else',
        details: { webComponentSizes, reactGzip },
      },
      {
        row: 'Audit log viewer, 100,000 cycles (Chromium)',
        measured: `≤ ${scroll.maxRows} rows in the DOM; flinging a screenful per frame: median frame ${fmt(median, 1)} ms, p95 ${fmt(p95, 1)} ms`,
        baseline: `60 fps frame budget ${fmt(FRAME_MS, 1)} ms`,
        ratio: p95 / FRAME_MS,
        ratioLabel: `p95 = ${fmt(p95 / FRAME_MS, 2)}× the frame budget`,
        target: 'rows in DOM < 60; p95 frame within 2 frames',
        met: scroll.maxRows < 60 && p95 <= 2 * FRAME_MS && scroll.reachedEnd,
        notes: `first render ${fmt(firstRenderMs)} ms (page load included); reached the last row: ${scroll.reachedEnd}`,
        details: { firstRenderMs, frames: scroll.frames.length },
      },
    ];
    return results;
  } finally {
    await browser.close();
    server.close();
  }
}

function build(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

/** The production builds of React and ReactDOM, gzipped: what the host already pays for. */
function reactSizeGzip(): number | null {
  const candidates = [
    'node_modules/react/cjs/react.production.js',
    'node_modules/react-dom/cjs/react-dom-client.production.js',
  ];
  let total = 0;
  for (const candidate of candidates) {
    const file = path.join(root, candidate);
    if (!fs.existsSync(file)) return null;
    total += gzipSync(fs.readFileSync(file), { level: 9 }).length;
  }
  return total;
}
