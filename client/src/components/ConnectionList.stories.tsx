import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { ConnectionList } from './ConnectionList.tsx';
import {
  activeReapitConnection,
  disconnectedAltoConnection,
  erroredStreetConnection,
  FIXTURE_NOW,
  importingAgentosConnection,
} from './connection.fixtures.ts';

const meta = {
  title: 'Integrations/ConnectionList',
  component: ConnectionList,
  tags: ['autodocs'],
  args: { now: FIXTURE_NOW, connections: [] },
} satisfies Meta<typeof ConnectionList>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Active: Story = {
  args: { connections: [activeReapitConnection] },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('contact-count')).toHaveTextContent('1,248 contacts');
    await expect(canvas.getByText('Active')).toBeVisible();
  },
};

// Not exported as `Error`, which would shadow the global inside this module.
export const ErrorWithMessage: Story = {
  name: 'Error',
  args: { connections: [erroredStreetConnection] },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('last-error')).toHaveTextContent('rejected the API token');
  },
};

export const Disconnected: Story = {
  args: { connections: [disconnectedAltoConnection] },
};

export const FirstImportRunning: Story = {
  args: { connections: [importingAgentosConnection] },
};

export const Empty: Story = {
  args: { connections: [] },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('No CRM connected yet')).toBeVisible();
  },
};

/** Every state side by side, to review colours and copy in one place. */
export const Catalog: Story = {
  args: {
    connections: [
      activeReapitConnection,
      erroredStreetConnection,
      disconnectedAltoConnection,
      importingAgentosConnection,
    ],
  },
};
