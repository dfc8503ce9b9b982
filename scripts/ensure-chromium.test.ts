import { describe, expect, it } from 'vitest';
import { chromiumPath, DEFAULT_CHROMIUM, ensureChromium, type ChromiumMachine } from './ensure-chromium.ts';

/** A machine with these executables; apt-get "installs" Debian's chromium when asked. */
function machine(options: { executables: string[]; root: boolean; aptWorks?: boolean }) {
  const executables = new Set(options.executables);
  const commands: string[] = [];
  const fake: ChromiumMachine = {
    isExecutable: (file) => executables.has(file),
    isRoot: () => options.root,
    run: (command, args) => {
      commands.push([command, ...args].join(' '));
      if (options.aptWorks === false) return false;
      if (args[0] === 'install') executables.add(DEFAULT_CHROMIUM);
      return true;
    },
    log: () => {},
  };
  return { fake, commands };
}

describe('the browser npm test brings', () => {
  it('uses Chromium where it already is, installing nothing', () => {
    const { fake, commands } = machine({ executables: [DEFAULT_CHROMIUM, '/usr/bin/apt-get'], root: true });
    expect(ensureChromium(DEFAULT_CHROMIUM, fake)).toEqual({
      ok: true,
      path: DEFAULT_CHROMIUM,
      installed: false,
    });
    expect(commands).toEqual([]);
  });

  it("installs Debian's chromium when it is missing and it runs as root with apt-get", () => {
    const { fake, commands } = machine({ executables: ['/usr/bin/apt-get'], root: true });
    expect(ensureChromium('/nowhere/chromium', fake)).toEqual({
      ok: true,
      path: DEFAULT_CHROMIUM,
      installed: true,
    });
    expect(commands).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends chromium',
    ]);
  });

  it('says what to install when it may not install packages', () => {
    const { fake, commands } = machine({ executables: ['/usr/bin/apt-get'], root: false });
    const outcome = ensureChromium(DEFAULT_CHROMIUM, fake);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toMatch(
      /no(ne)? at \/usr\/bin\/chromium.*apt-get install -y chromium.*PROPSYNC_CHROMIUM/,
    );
    expect(commands).toEqual([]);
  });

  it('says so when apt-get fails', () => {
    const { fake } = machine({ executables: ['/usr/bin/apt-get'], root: true, aptWorks: false });
    const outcome = ensureChromium(DEFAULT_CHROMIUM, fake);
    expect(!outcome.ok && outcome.message).toMatch(/^apt-get could not install chromium/);
  });

  it("looks where PROPSYNC_CHROMIUM says, or at Debian's package", () => {
    expect(chromiumPath({ PROPSYNC_CHROMIUM: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
    expect(chromiumPath({})).toBe(DEFAULT_CHROMIUM);
  });
});
