import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { HealthBadge } from './HealthBadge.tsx';
import { HEALTH_STATES, type HealthState } from './connection-health.ts';

const REASONS: Record<HealthState, string> = {
  active: 'Healthy. Last synced 5 minutes ago.',
  syncing: 'A sync is running: 412 of about 1,228 records so far.',
  degraded: 'The last attempt failed 3 minutes ago and will be retried: Reapit was unavailable (503).',
  error:
    'Street rejected the API token (401). Generate a new token in Street under Settings › API and reconnect.',
  disconnected:
    'Disconnected: credentials were removed. Contacts and the audit trail are kept; reconnect to sync again.',
};

const meta = {
  title: 'Integrations/HealthBadge',
  component: HealthBadge,
  tags: ['autodocs'],
  args: { state: 'active', reason: REASONS.active },
  argTypes: { state: { control: 'select', options: HEALTH_STATES } },
} satisfies Meta<typeof HealthBadge>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Active: Story = {
  play: async ({ canvas, userEvent }) => {
    const badge = canvas.getByRole('button', { name: 'Status: Active' });
    await expect(canvas.getByRole('tooltip', { hidden: true })).not.toBeVisible();
    // Keyboard users get the reason on focus, and Escape hides it.
    await userEvent.tab();
    await expect(badge).toHaveFocus();
    await expect(canvas.getByRole('tooltip')).toHaveTextContent('Last synced 5 minutes ago');
    await expect(badge).toHaveAccessibleDescription(REASONS.active);
    await userEvent.keyboard('{Escape}');
    await expect(canvas.queryByRole('tooltip')).toBeNull();
  },
};

export const Syncing: Story = {
  args: { state: 'syncing', reason: REASONS.syncing },
  play: async ({ canvas, userEvent }) => {
    // Pointer users get it on hover.
    await userEvent.hover(canvas.getByRole('button', { name: 'Status: Syncing' }));
    await expect(canvas.getByRole('tooltip')).toHaveTextContent('412 of about 1,228');
    await userEvent.unhover(canvas.getByRole('button'));
    await expect(canvas.queryByRole('tooltip')).toBeNull();
  },
};

export const Degraded: Story = {
  args: { state: 'degraded', reason: REASONS.degraded },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button')).toHaveAccessibleDescription(REASONS.degraded);
  },
};

// Not exported as `Error`, which would shadow the global inside this module.
export const ErrorState: Story = {
  name: 'Error',
  args: { state: 'error', reason: REASONS.error },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Status: Error' })).toHaveAttribute(
      'data-health',
      'error',
    );
  },
};

export const Disconnected: Story = {
  args: { state: 'disconnected', reason: REASONS.disconnected },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Status: Disconnected' })).toBeVisible();
  },
};

/** Every state side by side. */
export const Catalog: Story = {
  render: () => (
    <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
      {HEALTH_STATES.map((state) => (
        <HealthBadge key={state} state={state} reason={REASONS[state]} />
      ))}
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('health-badge')).toHaveLength(HEALTH_STATES.length);
  },
};
