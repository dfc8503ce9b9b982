// @vitest-environment jsdom
/**
 * Every Storybook story is a test: it renders in jsdom with the project's decorators, runs its
 * `play` interaction, and must pass axe-core's accessibility rules.
 */
import { composeStories, setProjectAnnotations, type composeStory } from '@storybook/react';
import axe from 'axe-core';
import { afterEach, describe, expect, it } from 'vitest';
import * as previewAnnotations from '../.storybook/preview.ts';

type StoryModule = Parameters<typeof composeStories>[0];
type ComposedStory = ReturnType<typeof composeStory>;

// Storybook gives play functions a `userEvent` only where the browser has a clipboard (user-event
// stubs it during each interaction); jsdom has none, so lend it a minimal one.
if (!('clipboard' in navigator)) {
  const emptyClipboard = {
    read: async () => [],
    readText: async () => '',
    write: async () => {},
    writeText: async () => {},
  };
  Object.defineProperty(navigator, 'clipboard', { value: emptyClipboard, configurable: true });
}

// Before composing: composeStories reads the project annotations (decorators, the test loaders
// that provide `canvas` and `userEvent` to play functions) when it runs, not when a story runs.
setProjectAnnotations([previewAnnotations]);

const storyModules = import.meta.glob<StoryModule>('./src/**/*.stories.tsx', { eager: true });

/**
 * jsdom has no layout or canvas: colour contrast cannot be computed there (Storybook's a11y panel
 * checks it in a real browser), and a component rendered alone is not expected to sit in a landmark.
 */
const AXE_OPTIONS: axe.RunOptions = {
  rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  resultTypes: ['violations'],
};

/** A story may switch rules off the way Storybook's a11y addon reads it: `parameters.a11y.config.rules`. */
function axeOptionsFor(parameters: Record<string, unknown>): axe.RunOptions {
  const a11y = parameters['a11y'] as { config?: { rules?: { id: string; enabled: boolean }[] } } | undefined;
  const storyRules = Object.fromEntries(
    (a11y?.config?.rules ?? []).map((rule) => [rule.id, { enabled: rule.enabled }]),
  );
  return { ...AXE_OPTIONS, rules: { ...AXE_OPTIONS.rules, ...storyRules } };
}

let canvasElement: HTMLElement | null = null;

afterEach(() => {
  canvasElement?.remove();
  canvasElement = null;
});

function describeViolations(violations: axe.Result[]): string[] {
  return violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} → ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}

it('finds the stories', () => {
  expect(Object.keys(storyModules).length).toBeGreaterThanOrEqual(9);
});

for (const [path, storyModule] of Object.entries(storyModules)) {
  const title = (storyModule.default as { title?: string }).title ?? path;
  describe(title, () => {
    for (const [name, story] of Object.entries(composeStories(storyModule)) as [string, ComposedStory][]) {
      it(`${name}: renders, plays and has no accessibility violation`, async () => {
        canvasElement = document.body.appendChild(document.createElement('div'));
        await story.run({ canvasElement });
        const results = await axe.run(canvasElement, axeOptionsFor(story.parameters));
        expect(describeViolations(results.violations)).toEqual([]);
      });
    }
  });
}
