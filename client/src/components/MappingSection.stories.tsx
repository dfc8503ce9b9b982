import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { MappingSection } from './MappingSection.tsx';
import {
  activeReapitConnection,
  disconnectedAltoConnection,
  importingAgentosConnection,
} from './connection.fixtures.ts';
import { mappingHistory, unconfirmedFieldMapping } from './field-mapping.fixtures.ts';
import { calledProcedures, withFixtureAnswers, type FixtureApiParameters } from './fixture-api-story.tsx';

const meta = {
  title: 'Integrations/Sections/MappingSection',
  component: MappingSection,
  ...withFixtureAnswers({
    'connections.fieldMapping': unconfirmedFieldMapping,
    'connections.confirmFieldMapping': { ...unconfirmedFieldMapping, confirmedAt: '2026-11-23T10:31:00Z' },
    'connections.setMappingOverrides': unconfirmedFieldMapping,
    'connections.mappingHistory': mappingHistory,
  }),
  args: { connections: [activeReapitConnection, importingAgentosConnection, disconnectedAltoConnection] },
} satisfies Meta<typeof MappingSection>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The first live connection's mapping, fetched; confirming it asks the API. */
export const FirstConnectionUnconfirmed: Story = {
  play: async ({ canvas, userEvent }) => {
    const picker = await canvas.findByRole('combobox', { name: 'Review the field mapping of' });
    await expect(picker).toHaveValue(activeReapitConnection.id);
    // Only live connections can be reviewed: the disconnected one is not offered.
    await expect(
      within(picker)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Reapit', 'agentOS']);
    await userEvent.click(canvas.getByRole('button', { name: 'Confirm mapping and categories' }));
    await waitFor(() => expect(calledProcedures()).toContain('connections.confirmFieldMapping'));
  },
};

/** Picking another connection shows that one's mapping. */
export const AnotherConnectionPicked: Story = {
  play: async ({ canvas, userEvent }) => {
    const picker = await canvas.findByRole('combobox', { name: 'Review the field mapping of' });
    await userEvent.selectOptions(picker, importingAgentosConnection.id);
    await expect(picker).toHaveValue(importingAgentosConnection.id);
    await expect(await canvas.findByRole('heading', { name: 'agentOS field mapping' })).toBeVisible();
  },
};

/** The admin reads who confirmed and corrected the mapping, fetched only when asked for. */
export const History: Story = {
  play: async ({ canvas, userEvent }) => {
    await userEvent.click(
      await canvas.findByRole('button', { name: 'Show who confirmed and changed this mapping' }),
    );
    const history = await canvas.findByTestId('mapping-history');
    await expect(history).toHaveTextContent(
      'confirmed by admin:jane.admin@harbour.example (category.applicantType:buyer: the suggestion → Applicant)',
    );
    await expect(history).toHaveTextContent('corrections changed by admin:jane.admin@harbour.example');
  },
};

/** A correction saved from the panel goes to the API. */
export const CorrectionSaved: Story = {
  play: async ({ canvas, userEvent }) => {
    await userEvent.selectOptions(await canvas.findByRole('combobox', { name: 'Active tenancy' }), 'Tenant');
    await userEvent.click(canvas.getByRole('button', { name: 'Save corrections' }));
    await waitFor(() => expect(calledProcedures()).toContain('connections.setMappingOverrides'));
  },
};

export const ReadOnly: Story = {
  name: 'Read only (viewer)',
  args: { readOnly: true },
  play: async ({ canvas }) => {
    await canvas.findByTestId('mapping-unconfirmed');
    await expect(canvas.queryByRole('button')).toBeNull();
  },
};

export const FailedToLoad: Story = {
  parameters: { apiFailing: ['connections.fieldMapping'] } satisfies FixtureApiParameters,
  play: async ({ canvas }) => {
    await expect(await canvas.findByRole('alert')).toHaveTextContent('Could not load the field mapping');
    await expect(canvas.getByRole('button', { name: 'Try again' })).toBeVisible();
  },
};

/** Nothing connected, or only disconnected connections: nothing to review, so nothing shown. */
export const NothingToReview: Story = {
  args: { connections: [disconnectedAltoConnection] },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelector('select')).toBeNull();
    await expect(calledProcedures()).toEqual([]);
  },
};
