import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, waitFor } from 'storybook/test';
import { FailedWritesPanel, FailedWritesSection } from './FailedWrites.tsx';
import { calledProcedures, withFixtureAnswers } from './fixture-api-story.tsx';
import { refusedEmailWrite, refusedFlagWrite } from './failed-writes.fixtures.ts';

const meta = {
  title: 'Integrations/FailedWrites',
  component: FailedWritesPanel,
  args: { writes: [refusedEmailWrite, refusedFlagWrite], onRetry: fn(), onDismiss: fn() },
} satisfies Meta<typeof FailedWritesPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Each refused write says the contact, what was written and the CRM's reason, with Retry and Dismiss. */
export const RetryAndDismiss: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByText(/Reapit said \(HTTP 422\): Reapit refused the change/)).toBeVisible();
    await userEvent.click(
      canvas.getByRole('button', { name: "Retry the write for Olivia O'Brien (Reapit record RPT20000001)" }),
    );
    await expect(args.onRetry).toHaveBeenCalledWith(refusedEmailWrite);
    await userEvent.click(
      canvas.getByRole('button', { name: 'Dismiss the write for Reapit record RPT20000099' }),
    );
    await expect(args.onDismiss).toHaveBeenCalledWith(refusedFlagWrite);
  },
};

/** Viewers see the failures but no action. */
export const ReadOnly: Story = {
  args: { readOnly: true },
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('failed-write')).toHaveLength(2);
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

/** A write being retried: its buttons wait. */
export const Busy: Story = {
  args: { busyWriteIds: new Set([refusedEmailWrite.id]) },
};

/** Fetched from `failedWrites.list`; Retry calls `failedWrites.retry`. */
export const Section: Story = {
  ...withFixtureAnswers({
    'failedWrites.list': [refusedEmailWrite],
    'failedWrites.retry': { writeId: refusedEmailWrite.id, status: 'pending' },
  }),
  render: () => <FailedWritesSection />,
  play: async ({ canvas, userEvent }) => {
    await userEvent.click(await canvas.findByRole('button', { name: /^Retry the write/ }));
    await waitFor(() => expect(calledProcedures()).toContain('failedWrites.retry'));
  },
};
