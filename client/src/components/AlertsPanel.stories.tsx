import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import type { AlertView } from '../lib/router-types.ts';
import { AlertsPanel } from './AlertsPanel.tsx';
import {
  acknowledgedAlert,
  credentialsAlert,
  hotLeadAlert,
  permissionAlert,
  syncFailedAlert,
  webhookAlert,
} from './audit.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

const meta = {
  title: 'Integrations/AlertsPanel',
  component: AlertsPanel,
  tags: ['autodocs'],
  args: { alerts: [webhookAlert], onAction: fn(), onAcknowledge: fn() },
  decorators: [atMostWide(720)],
} satisfies Meta<typeof AlertsPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The agentOS troubleshooting case: contacts not appearing because webhooks are not registered. */
export const WebhookNotRegistered: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByText(/re-register webhooks\.$/)).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect to re-register webhooks' }));
    await expect(args.onAction).toHaveBeenCalledWith(webhookAlert, 'reconnect');
    await userEvent.click(canvas.getByRole('button', { name: 'Acknowledge' }));
    await expect(args.onAcknowledge).toHaveBeenCalledWith(webhookAlert);
  },
};

export const CredentialsRejected: Story = {
  args: { alerts: [credentialsAlert] },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Reconnect Street' })).toBeVisible();
    await expect(canvas.getByText('Critical')).toBeVisible();
  },
};

/** One alert alone, offering the action `actionLabel` names. */
function offering(alert: AlertView, actionLabel: string): Story {
  return {
    args: { alerts: [alert] },
    play: async ({ canvas }) => {
      await expect(canvas.getByRole('button', { name: actionLabel })).toBeVisible();
    },
  };
}

export const PermissionDenied = offering(permissionAlert, 'Check permissions and reconnect');

export const SyncFailed: Story = {
  args: { alerts: [syncFailedAlert] },
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Retry sync now' }));
    await expect(args.onAction).toHaveBeenCalledWith(syncFailedAlert, 'retry_sync');
  },
};

export const HotLead = offering(hotLeadAlert, 'View contact');

export const Acknowledged: Story = {
  args: { alerts: [acknowledgedAlert] },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    await expect(canvas.getByText(/Acknowledged/)).toBeVisible();
  },
};

export const Busy: Story = {
  args: { busyAlertIds: new Set([webhookAlert.id]) },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Acknowledge' })).toBeDisabled();
  },
};

export const ReadOnly: Story = {
  name: 'Read only (viewer)',
  args: { readOnly: true },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

export const NoAlerts: Story = {
  args: { alerts: [] },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('alerts-empty')).toBeVisible();
  },
};

export const Catalog: Story = {
  args: {
    alerts: [
      credentialsAlert,
      permissionAlert,
      webhookAlert,
      syncFailedAlert,
      hotLeadAlert,
      acknowledgedAlert,
    ],
  },
  play: async ({ canvas, userEvent }) => {
    const alerts = canvas.getAllByTestId('alert');
    await expect(alerts).toHaveLength(3);
    // Critical first, then the warnings; the hot lead (good news) waits behind "Show all".
    await expect(alerts[0]).toHaveTextContent('Critical');
    await userEvent.click(canvas.getByRole('button', { name: 'Show all 6 alerts (3 more)' }));
    await expect(canvas.getAllByTestId('alert')).toHaveLength(6);
    await expect(canvas.getAllByTestId('alert').at(-1)).toHaveTextContent(hotLeadAlert.message);
  },
};

/** A busy day: eight new hot leads and, older, one broken connection. */
const busyDay: AlertView[] = [
  ...[
    'Priya Shah',
    'Tom Evans',
    'Aoife Byrne',
    'Sam Patel',
    'Zoë Clarke',
    'Lee Cook',
    'Isla Hall',
    'Ravi Nair',
  ].map((name, index): AlertView => ({
    ...hotLeadAlert,
    id: `${hotLeadAlert.id.slice(0, -2)}${(16 + index).toString(16)}`,
    message: `${name} crossed the hot-lead threshold (intent score ${90 - index}).`,
    createdAt: `2026-11-23T10:${String(59 - index).padStart(2, '0')}:00.000Z`,
  })),
  credentialsAlert,
];

/** A flood of hot leads does not bury the page, nor the broken connection under it. */
export const ManyHotLeads: Story = {
  args: { alerts: busyDay },
  play: async ({ canvas, userEvent }) => {
    await expect(canvas.getAllByTestId('alert')).toHaveLength(3);
    await expect(canvas.getAllByTestId('alert')[0]).toHaveTextContent(credentialsAlert.message);
    const toggle = canvas.getByRole('button', { name: 'Show all 9 alerts (6 more)' });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    await expect(canvas.getAllByTestId('alert')).toHaveLength(9);
    await expect(canvas.getByRole('button', { name: 'Show fewer alerts' })).toHaveAttribute(
      'aria-expanded',
      'true',
    );
    await userEvent.click(canvas.getByRole('button', { name: 'Show fewer alerts' }));
    await expect(canvas.getAllByTestId('alert')).toHaveLength(3);
  },
};
