import fs from 'node:fs';
import path from 'node:path';

/**
 * Empties the e2e data directory before the product starts, so every run is a newcomer's first
 * run. It runs as part of the webServer command because Playwright starts the webServer before
 * `globalSetup`, which would be too late.
 */
const directory = process.env.PROPSYNC_DATA_DIR;
if (!directory || !directory.includes('e2e')) {
  // Refuse anything that does not look like the e2e scratch folder: this deletes recursively.
  throw new Error(
    `Refusing to reset PROPSYNC_DATA_DIR=${String(directory)}: expected the e2e data directory`,
  );
}
fs.rmSync(path.resolve(directory), { recursive: true, force: true });
console.log(`[e2e] reset ${directory}`);
