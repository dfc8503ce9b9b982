import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, waitFor } from 'storybook/test';
import type { ConnectionSummary } from '../lib/router-types.ts';
import { ConnectSection, useConnectForm, type ConnectSectionProps } from './ConnectSection.tsx';
import { activeReapitConnection, importingAgentosConnection } from './connection.fixtures.ts';
import {
  calledProcedures,
  failingToLoad,
  withFixtureAnswers,
  type FixtureApiParameters,
} from './fixture-api-story.tsx';
import { agentosProvider, altoProvider, providerListing, reapitProvider } from './provider.fixtures.ts';

type ConnectSectionOnAPageProps = Omit<ConnectSectionProps, 'form'> & {
  /** A connection whose card's "Reconnect" the story shows beside the section. */
  cardToReconnect?: ConnectionSummary;
};

/** The form's state lives with the page (cards open it too), so the story holds it as the page does. */
function ConnectSectionOnAPage({ cardToReconnect, ...props }: ConnectSectionOnAPageProps) {
  const form = useConnectForm();
  return (
    <>
      {cardToReconnect ? (
        <button
          type="button"
          className="propsync-button propsync-button--secondary"
          onClick={() => form.open(cardToReconnect.provider, cardToReconnect)}
        >
          Reconnect {cardToReconnect.providerName} (its card)
        </button>
      ) : null}
      <ConnectSection form={form} {...props} />
    </>
  );
}

const meta = {
  title: 'Integrations/Sections/ConnectSection',
  component: ConnectSectionOnAPage,
  ...withFixtureAnswers({
    'providers.list': [
      providerListing(agentosProvider, 'Agent OS'),
      providerListing(reapitProvider, 'Reapit'),
      providerListing(altoProvider, 'Alto'),
    ],
    'connections.connect': importingAgentosConnection,
  }),
  args: { connections: [activeReapitConnection], announce: fn() },
} satisfies Meta<typeof ConnectSectionOnAPage>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Closed: one button, while some CRM is not connected yet. */
export const Closed: Story = {
  play: async ({ canvas }) => {
    await expect(await canvas.findByRole('button', { name: 'Connect a CRM' })).toBeVisible();
    await expect(canvas.queryByRole('form')).toBeNull();
  },
};

/** Connecting a CRM: only those not connected are offered; success closes the form and says so. */
export const Connecting: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(await canvas.findByRole('button', { name: 'Connect a CRM' }));
    const crm = canvas.getByRole('combobox', { name: 'CRM' });
    await expect(canvas.queryByRole('option', { name: 'Reapit' })).toBeNull();
    await userEvent.selectOptions(crm, 'agentos');
    await userEvent.type(canvas.getByLabelText(/API key/), 'key-from-agentos');
    await userEvent.type(canvas.getByLabelText(/Agency short name/), 'harbour');
    await userEvent.click(canvas.getByRole('button', { name: 'Connect agentOS' }));
    await waitFor(() =>
      expect(args.announce).toHaveBeenCalledWith({
        tone: 'info',
        text: 'agentOS connected. The first import has started.',
      }),
    );
    await expect(calledProcedures()).toContain('connections.connect');
    await waitFor(() => expect(canvas.queryByRole('form')).toBeNull());
  },
};

/** The CRM refuses: the form stays open with the reason; cancelling and opening again clears it. */
export const ConnectRefused: Story = {
  parameters: { apiFailing: ['connections.connect'] } satisfies FixtureApiParameters,
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.click(await canvas.findByRole('button', { name: 'Connect a CRM' }));
    await userEvent.selectOptions(canvas.getByRole('combobox', { name: 'CRM' }), 'agentos');
    await userEvent.type(canvas.getByLabelText(/API key/), 'wrong-key');
    await userEvent.type(canvas.getByLabelText(/Agency short name/), 'harbour');
    await userEvent.click(canvas.getByRole('button', { name: 'Connect agentOS' }));
    await expect(await canvas.findByTestId('connect-error')).toBeVisible();
    await expect(args.announce).not.toHaveBeenCalled();
    await userEvent.click(canvas.getByRole('button', { name: 'Cancel' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Connect a CRM' }));
    await expect(canvas.queryByTestId('connect-error')).toBeNull();
  },
};

/** A card's "Reconnect" opens the form for that connection's CRM, though it is connected. */
export const Reconnecting: Story = {
  args: { cardToReconnect: activeReapitConnection },
  play: async ({ canvas, userEvent }) => {
    await canvas.findByRole('button', { name: 'Connect a CRM' });
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect Reapit (its card)' }));
    await expect(canvas.getByRole('form', { name: 'Reconnect Reapit' })).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Reconnect Reapit' })).toBeVisible();
  },
};

/** Every CRM connected: nothing to offer, so nothing shown. */
export const EverythingConnected: Story = {
  parameters: {
    api: { 'providers.list': [providerListing(reapitProvider, 'Reapit')] },
  } satisfies FixtureApiParameters,
  play: async ({ canvas }) => {
    await waitFor(() => expect(calledProcedures()).toContain('providers.list'));
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

export const ProvidersFailedToLoad: Story = failingToLoad(
  'providers.list',
  'Could not load the CRMs you can connect',
);
