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
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('alert')).toHaveLength(6);
  },
};
