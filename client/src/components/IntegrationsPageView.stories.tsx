import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import { AlertsPanel } from './AlertsPanel.tsx';
import { AuditLogViewer } from './AuditLogViewer.tsx';
import { ConnectForm } from './ConnectForm.tsx';
import { IntegrationsPageView } from './IntegrationsPageView.tsx';
import { PanelError } from './PanelError.tsx';
import { SyncHistoryChart } from './SyncHistoryChart.tsx';
import { sampleHistory, sampleSyncRuns, webhookAlert } from './audit.fixtures.ts';
import { altoProvider } from './provider.fixtures.ts';
import {
  activeReapitConnection,
  erroredStreetConnection,
  FIXTURE_NOW,
  importingAgentosConnection,
} from './connection.fixtures.ts';

const connections = [activeReapitConnection, importingAgentosConnection, erroredStreetConnection];

const meta = {
  title: 'Integrations/IntegrationsPage',
  component: IntegrationsPageView,
  tags: ['autodocs'],
  parameters: { layout: 'fullscreen' },
  args: {
    connections,
    now: FIXTURE_NOW,
    cardProps: { onSyncNow: fn(), onDisconnect: fn(), onReconnect: fn() },
    alertsSlot: <AlertsPanel alerts={[webhookAlert]} onAction={fn()} onAcknowledge={fn()} />,
    connectSlot: <ConnectForm providers={[altoProvider]} onSubmit={fn()} />,
    historySlot: <SyncHistoryChart points={sampleHistory.slice(1)} />,
    auditLogSlot: (
      <AuditLogViewer
        runs={sampleSyncRuns}
        totalCount={sampleSyncRuns.length}
        hasMore={false}
        filters={{}}
        onFiltersChange={fn()}
        connections={connections.map((connection) => ({
          id: connection.id,
          providerName: connection.providerName,
        }))}
        onSelectRun={fn()}
        height={260}
      />
    ),
  },
} satisfies Meta<typeof IntegrationsPageView>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Connected: Story = {
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('heading', { level: 1, name: 'Integrations' })).toBeVisible();
    await expect(canvas.getAllByRole('article')).toHaveLength(3);
    await expect(canvas.getByRole('button', { name: 'Reconnect to re-register webhooks' })).toBeVisible();
    await expect(canvas.getByRole('form', { name: 'Connect a CRM' })).toBeVisible();
  },
};

export const NothingConnected: Story = {
  args: {
    connections: [],
    alertsSlot: null,
    historySlot: <SyncHistoryChart points={[]} />,
    auditLogSlot: null,
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('No CRM connected yet')).toBeVisible();
  },
};

/** Before the connection list is in, the page shows none of its panels. */
const NO_PANELS = { alertsSlot: null, historySlot: null, auditLogSlot: null, connectSlot: null };

export const Loading: Story = {
  args: {
    connections: undefined,
    ...NO_PANELS,
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Loading connections…')).toBeVisible();
  },
};

export const LoadFailed: Story = {
  args: {
    connections: undefined,
    connectionsError: 'The embed token has expired',
    onRetryConnections: fn(),
    ...NO_PANELS,
  },
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('The embed token has expired');
    await userEvent.click(canvas.getByRole('button', { name: 'Try again' }));
    await expect(args.onRetryConnections).toHaveBeenCalled();
  },
};

/** A host page on an origin Propsync does not allow: said once, with the setting to change. */
export const OriginRefused: Story = {
  args: {
    connections: undefined,
    connectionsError:
      'Propsync at https://propsync.example.co.uk refused this origin (https://app.example.co.uk): add it to PROPSYNC_ALLOWED_ORIGINS',
    onRetryConnections: fn(),
    ...NO_PANELS,
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('add it to PROPSYNC_ALLOWED_ORIGINS');
    await expect(canvas.queryByText('Loading connections…')).toBeNull();
  },
};

/** The list loaded but panels did not: each says what failed and offers to ask again. */
export const PanelsFailed: Story = {
  args: {
    alertsSlot: <PanelError what="the alerts" message="The server did not answer (503)" onRetry={fn()} />,
    historySlot: (
      <PanelError what="the sync history" message="The server did not answer (503)" onRetry={fn()} />
    ),
  },
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('panel-error')).toHaveLength(2);
    await expect(canvas.getByText(/Could not load the sync history/)).toBeVisible();
  },
};

export const StaleAfterRefreshFailed: Story = {
  args: { connectionsError: 'The server did not answer (503)' },
  play: async ({ canvas }) => {
    await expect(canvas.getByText(/Showing the last known state/)).toBeVisible();
  },
};

export const AfterAnAction: Story = {
  args: { notice: { tone: 'info', text: 'Street disconnected. Its contacts and the audit trail are kept.' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText(/audit trail are kept/)).toBeVisible();
  },
};

export const ReadOnly: Story = {
  name: 'Read only (viewer)',
  args: {
    cardProps: { readOnly: true },
    connectSlot: null,
    alertsSlot: <AlertsPanel alerts={[webhookAlert]} readOnly />,
  },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button', { name: 'Sync now' })).toBeNull();
    await expect(canvas.queryByRole('form', { name: 'Connect a CRM' })).toBeNull();
  },
};

/** The main states, one under another. */
export const Catalog: Story = {
  // Four whole pages on one canvas necessarily repeat their landmarks; each page alone is checked above.
  parameters: { a11y: { config: { rules: [{ id: 'landmark-unique', enabled: false }] } } },
  render: (args) => (
    <div style={{ display: 'grid', gap: 48 }}>
      <IntegrationsPageView {...args} />
      <IntegrationsPageView connections={[]} now={FIXTURE_NOW} />
      <IntegrationsPageView connections={undefined} />
      <IntegrationsPageView connections={undefined} connectionsError="The embed token has expired" />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('heading', { level: 1 })).toHaveLength(4);
  },
};
