import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ConnectionList } from './ConnectionList.tsx';
import { connectionInEveryState, FIXTURE_NOW } from './connection.fixtures.ts';

/** One card per connection (each state's card has its own stories under ConnectionCard), or the empty state. */
const meta = {
  title: 'Integrations/ConnectionList',
  component: ConnectionList,
  tags: ['autodocs'],
  args: { now: FIXTURE_NOW, connections: [] },
} satisfies Meta<typeof ConnectionList>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Every state side by side, to review colours and copy in one place. */
export const Catalog: Story = {
  args: { connections: connectionInEveryState },
  play: async ({ canvas }) => {
    const active = within(canvas.getByTestId('connection-card-reapit'));
    await expect(active.getByTestId('contact-count')).toHaveTextContent('1,248 contacts');
    await expect(active.getByText('Active')).toBeVisible();
    const errored = within(canvas.getByTestId('connection-card-street'));
    await expect(errored.getByTestId('last-error')).toHaveTextContent('rejected the API token');
  },
};

export const Empty: Story = {
  args: { connections: [] },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('No CRM connected yet')).toBeVisible();
  },
};
