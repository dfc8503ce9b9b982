import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import { ConnectForm, type ConnectableProvider } from './ConnectForm.tsx';
import { agentosProvider, reapitProvider, streetProvider } from './provider.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

const providers: ConnectableProvider[] = [agentosProvider, reapitProvider, streetProvider];

const meta = {
  title: 'Integrations/ConnectForm',
  component: ConnectForm,
  tags: ['autodocs'],
  args: { providers, onSubmit: fn(), onCancel: fn() },
  decorators: [atMostWide(520)],
} satisfies Meta<typeof ConnectForm>;

export default meta;
type Story = StoryObj<typeof meta>;

export const ChooseCrm: Story = {
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Connect' })).toBeDisabled();
    await expect(canvas.queryByLabelText(/API key/)).toBeNull();
  },
};

/** API key CRMs ask for the key (hidden as typed) and their settings. */
export const ApiKey: Story = {
  args: { initialProvider: 'agentos' },
  play: async ({ canvas, userEvent, args }) => {
    const key = canvas.getByLabelText('API key');
    await expect(key).toHaveAttribute('type', 'password');
    await expect(key).toHaveAccessibleDescription('Generated in agentOS under Settings › API.');
    await userEvent.type(key, 'ak_live_123');
    await userEvent.type(canvas.getByLabelText('Agency short name'), 'harbourhale');
    await userEvent.click(canvas.getByRole('button', { name: 'Connect agentOS' }));
    await expect(args.onSubmit).toHaveBeenCalledWith({
      provider: 'agentos',
      credentials: { apiKey: 'ak_live_123' },
      settings: { shortName: 'harbourhale' },
    });
  },
};

/** OAuth client-credential CRMs ask for the client id and secret. */
export const ClientCredentials: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.selectOptions(canvas.getByLabelText('CRM'), 'reapit');
    await userEvent.type(canvas.getByLabelText('Client id'), 'app-1');
    await userEvent.type(canvas.getByLabelText('Client secret'), 's3cret');
    await userEvent.type(canvas.getByLabelText('Customer id'), 'SBOX');
    await userEvent.click(canvas.getByRole('button', { name: 'Connect Reapit' }));
    await expect(args.onSubmit).toHaveBeenCalledWith({
      provider: 'reapit',
      credentials: { clientId: 'app-1', clientSecret: 's3cret' },
      settings: { customerId: 'SBOX' },
    });
  },
};

/**
 * Where Propsync has an app registered with the CRM, the admin can sign in there instead (OAuth
 * redirect); settings typed so far go along, and no credential is asked for.
 */
export const SignInWithRedirect: Story = {
  args: {
    providers: [{ ...reapitProvider, oauthSignIn: true }, agentosProvider],
    initialProvider: 'reapit',
    onSignIn: fn(),
  },
  play: async ({ canvas, userEvent, args }) => {
    await userEvent.type(canvas.getByLabelText('Customer id'), 'SBOX');
    await userEvent.click(canvas.getByRole('button', { name: 'Sign in with Reapit' }));
    await expect(args.onSignIn).toHaveBeenCalledWith({
      provider: 'reapit',
      settings: { customerId: 'SBOX' },
    });
    await expect(args.onSubmit).not.toHaveBeenCalled();
    await userEvent.selectOptions(canvas.getByLabelText('CRM'), 'agentos');
    await expect(canvas.queryByRole('button', { name: /Sign in with/ })).toBeNull();
  },
};

export const Checking: Story = {
  args: { initialProvider: 'reapit', submitting: true },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Checking with the CRM…' })).toBeDisabled();
  },
};

export const Rejected: Story = {
  args: {
    initialProvider: 'reapit',
    error: 'Reapit rejected the credentials: reconnect Reapit with a valid client id and secret',
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('Reapit rejected the credentials');
  },
};

/** New credentials for an existing connection: the CRM is fixed and settings are optional. */
export const Reconnect: Story = {
  args: { mode: 'reconnect', initialProvider: 'street' },
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByRole('form', { name: 'Reconnect Street' })).toBeVisible();
    await expect(canvas.getByLabelText('CRM')).toBeDisabled();
    // Street's API host is operator configuration, never a form field.
    await expect(canvas.queryByLabelText(/API address/)).toBeNull();
    await userEvent.type(canvas.getByLabelText('API token'), 'st_new_token');
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect Street' }));
    await expect(args.onSubmit).toHaveBeenCalledWith({
      provider: 'street',
      credentials: { apiToken: 'st_new_token' },
      settings: {},
    });
  },
};

export const EverythingConnected: Story = {
  args: { providers: [] },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('connect-form-empty')).toBeVisible();
  },
};

export const Catalog: Story = {
  render: (args) => (
    <div style={{ display: 'grid', gap: 24 }}>
      <ConnectForm {...args} title="Choose a CRM" />
      <ConnectForm {...args} title="API key" initialProvider="agentos" />
      <ConnectForm {...args} title="API token" initialProvider="street" />
      <ConnectForm {...args} title="Checking" initialProvider="reapit" submitting />
      <ConnectForm
        {...args}
        title="Rejected"
        initialProvider="reapit"
        error="Reapit rejected the credentials"
      />
      <ConnectForm {...args} title="Reconnecting" mode="reconnect" initialProvider="street" />
      <ConnectForm
        {...args}
        title="Sign in with redirect"
        providers={[{ ...reapitProvider, oauthSignIn: true }]}
        initialProvider="reapit"
        onSignIn={() => {}}
      />
      <ConnectForm {...args} providers={[]} />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('connect-form')).toHaveLength(7);
  },
};
