import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn } from 'storybook/test';
import { FieldMappingSummary } from './FieldMappingSummary.tsx';
import { unconfirmedFieldMapping as unconfirmed } from './field-mapping.fixtures.ts';

const meta = {
  title: 'Integrations/FieldMappingSummary',
  component: FieldMappingSummary,
  tags: ['autodocs'],
  args: { providerName: 'Reapit', summary: unconfirmed, onConfirm: fn() },
  decorators: [(Story) => <div className="propsync-root">{Story()}</div>],
} satisfies Meta<typeof FieldMappingSummary>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Before going live: coverage per field, suggested categories, and the confirm button. */
export const NotYetConfirmed: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByTestId('mapping-unconfirmed')).toHaveTextContent(
      'write-back to Reapit is paused until you confirm it (214 writes waiting)',
    );
    await expect(canvas.getByRole('rowheader', { name: 'UPRN' })).toBeVisible();
    await expect(canvas.getByRole('rowheader', { name: 'No suggestion (review by hand)' })).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Confirm mapping and categories' }));
    await expect(args.onConfirm).toHaveBeenCalledTimes(1);
  },
};

/** The admin corrects a category and the primary phone field, then saves the corrections. */
export const Corrections: Story = {
  args: { onSaveOverrides: fn() },
  play: async ({ canvas, userEvent, args }) => {
    const save = canvas.getByRole('button', { name: 'Save corrections' });
    await expect(save).toBeDisabled();
    await expect(canvas.getByRole('combobox', { name: 'Applicant buying' })).toHaveValue('');
    await userEvent.selectOptions(canvas.getByRole('combobox', { name: 'Applicant buying' }), 'Applicant');
    await userEvent.selectOptions(canvas.getByRole('combobox', { name: 'Primary phone' }), 'homePhone');
    await userEvent.click(save);
    await expect(args.onSaveOverrides).toHaveBeenCalledWith({
      categories: { 'applicantType:buyer': 'Applicant' },
      fields: { phones: 'homePhone' },
    });
  },
};

/** Corrections saved earlier: each shows as chosen, the rest follow the suggestion. */
export const Corrected: Story = {
  args: {
    onSaveOverrides: fn(),
    summary: {
      ...unconfirmed,
      overrides: { categories: { 'tenancyStatus:former': 'Tenant' }, fields: {} },
      categoryRules: unconfirmed.categoryRules.map((rule) =>
        rule.fact === 'tenancyStatus:former' ? { ...rule, override: 'Tenant' } : rule,
      ),
    },
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('combobox', { name: 'Former tenancy' })).toHaveValue('Tenant');
    await expect(canvas.getByRole('combobox', { name: 'Primary phone' })).toHaveValue('mobilePhone');
  },
};

export const Confirming: Story = {
  args: { confirming: true },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Confirming…' })).toBeDisabled();
  },
};

export const Confirmed: Story = {
  args: { summary: { ...unconfirmed, confirmedAt: '2026-11-23T10:15:00.000Z' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('mapping-confirmed')).toHaveTextContent('Confirmed');
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

/** Viewers read the summary but cannot confirm it. */
export const ReadOnly: Story = {
  args: { onConfirm: undefined },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('mapping-unconfirmed')).toBeVisible();
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

/** Every state side by side. */
export const Catalog: Story = {
  render: (args) => (
    <div>
      <FieldMappingSummary {...args} />
      <FieldMappingSummary {...args} providerName="agentOS" confirming />
      <FieldMappingSummary
        {...args}
        providerName="Alto"
        summary={{ ...unconfirmed, confirmedAt: '2026-11-23T10:15:00.000Z' }}
      />
      <FieldMappingSummary {...args} providerName="Street" onConfirm={undefined} />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('heading', { name: /field mapping$/ })).toHaveLength(4);
  },
};
