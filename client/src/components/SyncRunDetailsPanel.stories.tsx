import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import { SyncRunDetailsPanel } from './SyncRunDetailsPanel.tsx';
import { failedRunDetails, succeededRunDetails } from './audit.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

const meta = {
  title: 'Audit/SyncRunDetailsPanel',
  component: SyncRunDetailsPanel,
  tags: ['autodocs'],
  args: { details: succeededRunDetails, onClose: fn(), onLoadMoreLog: fn(), onSelectConflict: fn() },
  decorators: [atMostWide(640)],
} satisfies Meta<typeof SyncRunDetailsPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Succeeded: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByText('Duplicates suppressed').nextElementSibling).toHaveTextContent('1');
    await expect(canvas.getByText('No provider error in this cycle.')).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: /Priya Shah/ }));
    await expect(args.onSelectConflict).toHaveBeenCalledWith(succeededRunDetails.conflicts.items[0]!.id);
    await userEvent.click(canvas.getByRole('button', { name: 'Load more records' }));
    await expect(args.onLoadMoreLog).toHaveBeenCalled();
  },
};

export const FailedWithErrors: Story = {
  args: { details: failedRunDetails },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('HTTP 429', { exact: false })).toBeVisible();
    await expect(canvas.getByText('Will retry')).toBeVisible();
    await expect(canvas.getByText('Needs reconnect')).toBeVisible();
    await expect(canvas.getByText('No record was created, changed or rejected in this cycle.')).toBeVisible();
  },
};

export const LoadingMoreRecords: Story = {
  args: { loadingMoreLog: true },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Loading…' })).toBeDisabled();
  },
};

export const Catalog: Story = {
  render: (args) => (
    <div style={{ display: 'grid', gap: 24 }}>
      <SyncRunDetailsPanel {...args} details={succeededRunDetails} />
      <SyncRunDetailsPanel {...args} details={failedRunDetails} />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('sync-run-details')).toHaveLength(2);
  },
};
