import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { SyncHistoryChart } from './SyncHistoryChart.tsx';
import { STORY_THEMES } from '../styles/theme.fixtures.ts';
import { sampleHistory } from './audit.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

const meta = {
  title: 'Audit/SyncHistoryChart',
  component: SyncHistoryChart,
  tags: ['autodocs'],
  args: { points: sampleHistory.slice(1) },
  decorators: [atMostWide(720)],
} satisfies Meta<typeof SyncHistoryChart>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Steady: Story = {
  play: async ({ canvas, userEvent }) => {
    await expect(canvas.getByRole('img', { name: /Sync history 29 cycles/ })).toBeVisible();
    await userEvent.click(canvas.getByText('Show the numbers'));
    await expect(canvas.getAllByRole('row')).toHaveLength(30);
  },
};

/** The first import dwarfs later cycles; the axis rounds up to a readable maximum. */
export const WithFirstImport: Story = {
  args: { points: sampleHistory },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('2,000')).toBeInTheDocument();
  },
};

export const SingleCycle: Story = {
  args: { points: sampleHistory.slice(0, 1) },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('img')).toHaveAccessibleName(/1 cycle from/);
  },
};

export const NoCyclesYet: Story = {
  args: { points: [] },
  play: async ({ canvas }) => {
    await expect(canvas.getByText(/fills in after the first sync/)).toBeVisible();
  },
};

export const Catalog: Story = {
  render: () => (
    <div style={{ display: 'grid', gap: 24 }}>
      <SyncHistoryChart points={sampleHistory.slice(1)} title="Steady" />
      <SyncHistoryChart points={sampleHistory} title="With the first import" />
      <SyncHistoryChart points={sampleHistory.slice(0, 1)} title="One cycle" />
      <SyncHistoryChart points={[]} title="No cycles yet" />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('img')).toHaveLength(3);
  },
};

/**
 * The same chart under three themes. Records out derive from the accent (its opposite hue), so a
 * green accent gets purple bars out rather than a second green.
 */
export const Themes: Story = {
  render: () => (
    <div style={{ display: 'grid', gap: 16 }}>
      {STORY_THEMES.map((theme) => (
        <div
          key={theme.name}
          className="propsync-root"
          data-testid={`theme-${theme.name}`}
          style={{ ...theme.style, background: 'var(--ps-background)', padding: 16 }}
        >
          <SyncHistoryChart points={sampleHistory.slice(1, 13)} title={`${theme.name} theme`} />
        </div>
      ))}
    </div>
  ),
  play: async ({ canvas }) => {
    for (const theme of STORY_THEMES) {
      await expect(canvas.getByRole('img', { name: new RegExp(`^${theme.name} theme`) })).toBeVisible();
    }
  },
};
