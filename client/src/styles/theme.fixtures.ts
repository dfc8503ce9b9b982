import type { CSSProperties } from 'react';

/** Themes the stories show: the default, a dark one, and a host's own accent (a green, as a host had). */
export const STORY_THEMES: { name: string; style: CSSProperties }[] = [
  { name: 'Default', style: {} },
  {
    name: 'Dark',
    style: {
      '--propsync-color-background': '#0b1120',
      '--propsync-color-surface': '#111827',
      '--propsync-color-text': '#f3f4f6',
      '--propsync-color-text-muted': '#cbd5e1',
      '--propsync-color-border': '#374151',
      '--propsync-color-accent': '#60a5fa',
      '--propsync-color-accent-text': '#0b1120',
      '--propsync-color-danger': '#fca5a5',
      '--propsync-color-danger-surface': '#3f1d1d',
      '--propsync-color-success': '#86efac',
      '--propsync-color-success-surface': '#14301f',
      '--propsync-color-warning': '#fcd34d',
      '--propsync-color-warning-surface': '#33260b',
      '--propsync-color-neutral': '#d1d5db',
      '--propsync-color-neutral-surface': '#1f2937',
    } as CSSProperties,
  },
  {
    name: 'Custom accent',
    style: { '--propsync-color-accent': '#15803d' } as CSSProperties,
  },
];
