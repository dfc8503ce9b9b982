import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ConflictDiffView } from './ConflictDiffView.tsx';
import { crmWinsConflict, mixedConflict, platformWinsConflict } from './audit.fixtures.ts';
import { atMostWide } from './story-layout.tsx';

const meta = {
  title: 'Audit/ConflictDiffView',
  component: ConflictDiffView,
  tags: ['autodocs'],
  args: { conflict: mixedConflict },
  decorators: [atMostWide(820)],
} satisfies Meta<typeof ConflictDiffView>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Field by field: the CRM's phone number kept, Propsync's opt-out kept. */
export const MixedWinners: Story = {
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Both, field by field')).toBeVisible();
    const consent = within(canvas.getByTestId('conflict-field-marketingConsent'));
    await expect(consent.getByText('An opt-out always wins')).toBeVisible();
    await expect(consent.getByRole('rowheader')).toHaveTextContent('Marketing consent');
    await expect(canvas.getByTestId('conflict-field-phones')).toHaveTextContent('+447700900456 (kept)');
    // Both write times are shown.
    await expect(canvas.getAllByRole('columnheader')[1]).toHaveTextContent('Reapit version');
    await expect(canvas.getAllByRole('columnheader')[2]).toHaveTextContent('changed');
  },
};

export const CrmWins: Story = {
  args: { conflict: crmWinsConflict },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('conflict-field-address')).toHaveTextContent('(empty)');
    await expect(canvas.getByText('CRM', { selector: 'strong' })).toBeVisible();
  },
};

export const PropsyncWins: Story = {
  args: { conflict: platformWinsConflict },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('conflict-field-intentScore')).toHaveTextContent('68.5 (kept)');
  },
};

export const Catalog: Story = {
  render: () => (
    <div style={{ display: 'grid', gap: 24 }}>
      <ConflictDiffView conflict={mixedConflict} />
      <ConflictDiffView conflict={crmWinsConflict} />
      <ConflictDiffView conflict={platformWinsConflict} />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByTestId('conflict-diff')).toHaveLength(3);
  },
};
