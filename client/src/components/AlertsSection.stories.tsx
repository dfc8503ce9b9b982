import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, waitFor } from 'storybook/test';
import { AlertsSection } from './AlertsSection.tsx';
import { credentialsAlert, hotLeadAlert, syncFailedAlert, webhookAlert } from './audit.fixtures.ts';
import { activeReapitConnection, erroredStreetConnection } from './connection.fixtures.ts';
import {
  calledProcedures,
  failingToLoad,
  withFixtureAnswers,
  type FixtureApiParameters,
} from './fixture-api-story.tsx';

const alerts = [syncFailedAlert, webhookAlert, hotLeadAlert];

const meta = {
  title: 'Integrations/Sections/AlertsSection',
  component: AlertsSection,
  ...withFixtureAnswers({
    'alerts.list': { items: alerts, nextCursor: null, totalCount: alerts.length },
    'alerts.acknowledge': { ...syncFailedAlert, acknowledgedAt: '2026-11-23T10:31:00.000Z' },
  }),
  args: {
    connections: [activeReapitConnection, erroredStreetConnection],
    onRetrySync: fn(),
    onReconnect: fn(),
    onViewContact: fn(),
    announce: fn(),
  },
} satisfies Meta<typeof AlertsSection>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Each alert's action reaches the connection it is about, or the host for a contact. */
export const Actions: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(await canvas.findByRole('button', { name: 'Retry sync now' }));
    await expect(args.onRetrySync).toHaveBeenCalledWith(activeReapitConnection);
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect to re-register webhooks' }));
    await expect(args.onReconnect).toHaveBeenCalledWith(activeReapitConnection);
    await userEvent.click(canvas.getByRole('button', { name: 'View contact' }));
    await expect(args.onViewContact).toHaveBeenCalledWith(hotLeadAlert.contactId);
    await expect(args.announce).not.toHaveBeenCalled();
  },
};

export const Acknowledging: Story = {
  play: async ({ canvas, userEvent }) => {
    const [first] = await canvas.findAllByRole('button', { name: 'Acknowledge' });
    await userEvent.click(first!);
    await waitFor(() => expect(calledProcedures()).toContain('alerts.acknowledge'));
  },
};

/** An alert about a connection that has gone since: the action says so instead of acting. */
export const ConnectionGone: Story = {
  args: { connections: [activeReapitConnection] },
  parameters: {
    api: { 'alerts.list': { items: [credentialsAlert], nextCursor: null, totalCount: 1 } },
  } satisfies FixtureApiParameters,
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(await canvas.findByRole('button', { name: 'Reconnect Street' }));
    await expect(args.announce).toHaveBeenCalledWith({
      tone: 'error',
      text: 'That connection no longer exists.',
    });
    await expect(args.onReconnect).not.toHaveBeenCalled();
  },
};

export const ReadOnly: Story = {
  name: 'Read only (viewer)',
  args: { readOnly: true },
  play: async ({ canvas }) => {
    await canvas.findByText(syncFailedAlert.message);
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

/** No unresolved alert: no panel at all. */
export const NoAlerts: Story = {
  parameters: {
    api: { 'alerts.list': { items: [], nextCursor: null, totalCount: 0 } },
  } satisfies FixtureApiParameters,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(calledProcedures()).toContain('alerts.list'));
    await expect(canvasElement.querySelector('section')).toBeNull();
  },
};

export const FailedToLoad: Story = failingToLoad('alerts.list', 'Could not load the alerts');
