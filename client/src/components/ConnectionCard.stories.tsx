import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { ConnectionCard } from './ConnectionCard.tsx';
import {
  activeReapitConnection,
  disconnectedAltoConnection,
  erroredStreetConnection,
  FIXTURE_NOW,
  importingAgentosConnection,
} from './connection.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

/** Active, but the last attempt failed with a transient error after the last good sync. */
const degradedReapitConnection: ConnectionSummary = {
  ...activeReapitConnection,
  lastErrorAt: '2026-11-23T10:27:00Z',
  lastErrorMessage: 'Reapit was unavailable (503); retrying with back-off.',
};

const syncingUnknownTotal: ConnectionSummary = {
  ...activeReapitConnection,
  currentSync: {
    runId: '3f1d2c4b-5a69-4e8d-9c7b-1a2b3c4d5e70',
    fetched: 37,
    estimatedTotal: null,
    startedAt: '2026-11-23T10:29:00.000Z',
  },
};

const meta = {
  title: 'Integrations/ConnectionCard',
  component: ConnectionCard,
  tags: ['autodocs'],
  args: {
    connection: activeReapitConnection,
    now: FIXTURE_NOW,
    onSyncNow: fn(),
    onDisconnect: fn(),
    onReconnect: fn(),
    onChangeSchedule: fn(),
  },
  decorators: [atMostWide(420)],
} satisfies Meta<typeof ConnectionCard>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Active: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByRole('heading', { name: 'Reapit' })).toBeVisible();
    await expect(canvas.getByTestId('contact-count')).toHaveTextContent('1,248 contacts');
    await userEvent.click(canvas.getByRole('button', { name: 'Sync now' }));
    await expect(args.onSyncNow).toHaveBeenCalledWith(activeReapitConnection);
  },
};

export const Syncing: Story = {
  args: { connection: importingAgentosConnection },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('progressbar', { name: 'Syncing: 412 of 1,228 records' })).toHaveAttribute(
      'max',
      '1228',
    );
    await expect(canvas.getByRole('button', { name: 'Syncing…' })).toBeDisabled();
  },
};

export const SyncingWithoutEstimate: Story = {
  args: { connection: syncingUnknownTotal },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('progressbar', { name: 'Syncing: 37 records so far' })).not.toHaveAttribute(
      'max',
    );
  },
};

export const Degraded: Story = {
  args: { connection: degradedReapitConnection },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Status: Degraded' })).toHaveAccessibleDescription(
      /will be retried/,
    );
  },
};

export const NearDailyLimit: Story = {
  args: { connection: { ...activeReapitConnection, requestsToday: { used: 212_480, limit: 250_000 } } },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('requests-today')).toHaveTextContent('212,480 of 250,000 requests today');
  },
};

export const ErrorState: Story = {
  name: 'Error',
  args: { connection: erroredStreetConnection },
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByTestId('last-error')).toHaveTextContent('rejected the API token');
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }));
    await expect(args.onReconnect).toHaveBeenCalledWith(erroredStreetConnection);
  },
};

export const Disconnected: Story = {
  args: { connection: disconnectedAltoConnection },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button', { name: 'Sync now' })).toBeNull();
    await expect(canvas.queryByRole('button', { name: 'Disconnect' })).toBeNull();
    await expect(canvas.getByRole('button', { name: 'Reconnect' })).toBeEnabled();
  },
};

/** Disconnecting asks first, says what is kept, and focuses the safe choice. */
export const DisconnectConfirmation: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Disconnect' }));
    const dialog = canvas.getByRole('alertdialog', { name: 'Disconnect Reapit?' });
    await expect(dialog).toHaveAccessibleDescription(
      /Propsync revokes its access at Reapit .* Contacts already imported and the audit trail are kept/,
    );
    await expect(canvas.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await userEvent.click(canvas.getByRole('button', { name: 'Cancel' }));
    await expect(args.onDisconnect).not.toHaveBeenCalled();
    await userEvent.click(canvas.getByRole('button', { name: 'Disconnect' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Disconnect Reapit' }));
    await expect(args.onDisconnect).toHaveBeenCalledWith(activeReapitConnection);
  },
};

/** A CRM whose keys only an admin can delete: the confirmation says so before anything happens. */
export const DisconnectKeyOnlyCrm: Story = {
  args: {
    connection: {
      ...activeReapitConnection,
      provider: 'agentos',
      providerName: 'agentOS',
      revokesAccess: false,
      signals:
        "valuations polled; viewings and offers by webhook only (Alto's API does not list them by change)",
    },
  },
  play: async ({ canvas, userEvent }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Disconnect' }));
    await expect(
      canvas.getByRole('alertdialog', { name: 'Disconnect agentOS?' }),
    ).toHaveAccessibleDescription(
      /also delete Propsync's key in agentOS\. Contacts already imported and the audit trail are kept/,
    );
  },
};

export const Busy: Story = {
  args: { busy: true },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Sync now' })).toBeDisabled();
  },
};

export const ReadOnly: Story = {
  name: 'Read only (viewer)',
  args: { readOnly: true },
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('button')).toHaveLength(1); // only the health badge
    await expect(canvas.queryByRole('combobox')).toBeNull();
  },
};

/** Admins choose how often each connection syncs. */
export const ChangeSchedule: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.selectOptions(canvas.getByLabelText('Schedule'), 'Every hour');
    await expect(args.onChangeSchedule).toHaveBeenCalledWith(activeReapitConnection, 60);
  },
};

/** Every state side by side. */
export const Catalog: Story = {
  render: (args) => (
    <div
      style={{
        display: 'grid',
        gap: 16,
        gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))',
        maxWidth: 'none',
      }}
    >
      {[
        activeReapitConnection,
        importingAgentosConnection,
        syncingUnknownTotal,
        degradedReapitConnection,
        erroredStreetConnection,
        disconnectedAltoConnection,
      ].map((connection, index) => (
        <ConnectionCard key={index} {...args} connection={connection} />
      ))}
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('article')).toHaveLength(6);
  },
};

/** Something needs the admin: refused writes and set-aside webhook updates, in words (zero counts are left out). */
export const NeedsAttention: Story = {
  args: { issues: { parked: 2, deadLettered: 1, failedWrites: 0 } },
  play: async ({ canvas }) => {
    const issues = canvas.getByTestId('connection-issues');
    await expect(issues).toHaveTextContent('2 webhook updates waiting to be applied (retried automatically)');
    await expect(issues).toHaveTextContent('1 webhook update given up on (see the alerts)');
    await expect(issues).not.toHaveTextContent('refused');
  },
};

/** Connected, importing, but the field mapping is not confirmed yet: nothing is written back to the CRM. */
export const WriteBackPaused: Story = {
  args: { connection: { ...activeReapitConnection, writeBackPaused: true } },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('write-back-paused')).toHaveTextContent(
      'Write-back paused until the field mapping is confirmed',
    );
  },
};
