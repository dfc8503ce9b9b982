import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';
import { AuditSection } from './AuditSection.tsx';
import { mixedConflict, sampleSyncRuns, succeededRunDetails } from './audit.fixtures.ts';
import { activeReapitConnection, erroredStreetConnection } from './connection.fixtures.ts';
import {
  calledProcedures,
  failingToLoad,
  withFixtureAnswers,
  type FixtureApiParameters,
} from './fixture-api-story.tsx';

const runs = sampleSyncRuns.slice(0, 20);

const meta = {
  title: 'Integrations/Sections/AuditSection',
  component: AuditSection,
  ...withFixtureAnswers({
    'syncRuns.list': { items: runs, nextCursor: null, totalCount: 640 },
    'syncRuns.get': succeededRunDetails,
    'conflicts.get': mixedConflict,
  }),
  args: { connections: [activeReapitConnection, erroredStreetConnection] },
} satisfies Meta<typeof AuditSection>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The log's first page, fetched, with the agency's connections to filter by. */
export const Log: Story = {
  play: async ({ canvas }) => {
    await waitFor(() =>
      expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent('Showing 20 of 640 cycles'),
    );
    await expect(canvas.getAllByTestId('audit-log-row').length).toBeGreaterThan(0);
    await expect(canvas.getByRole('option', { name: 'Street' })).toBeTruthy();
  },
};

/** A cycle opened beside the log, then one of its conflicts, then closed again. */
export const CycleOpened: Story = {
  play: async ({ canvas, userEvent }) => {
    const [firstRow] = await canvas.findAllByRole('button', { name: /^Open the/ });
    await userEvent.click(firstRow!);
    const details = await canvas.findByTestId('sync-run-details');
    await expect(details).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: /^Priya Shah:/ }));
    await expect(await canvas.findByTestId('conflict-diff')).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Close' }));
    await expect(canvas.queryByTestId('sync-run-details')).toBeNull();
    await expect(canvas.queryByTestId('conflict-diff')).toBeNull();
  },
};

/** A cycle that cannot be loaded says so where its details would be. */
export const CycleFailedToLoad: Story = {
  parameters: { apiFailing: ['syncRuns.get'] } satisfies FixtureApiParameters,
  play: async ({ canvas, userEvent }) => {
    const [firstRow] = await canvas.findAllByRole('button', { name: /^Open the/ });
    await userEvent.click(firstRow!);
    await expect(await canvas.findByRole('alert')).toHaveTextContent('Could not load this cycle');
  },
};

/** Changing a filter asks the server again and closes the open cycle. */
export const Filtered: Story = {
  play: async ({ canvas, userEvent }) => {
    const [firstRow] = await canvas.findAllByRole('button', { name: /^Open the/ });
    await userEvent.click(firstRow!);
    await canvas.findByTestId('sync-run-details');
    const listCalls = calledProcedures().filter((path) => path === 'syncRuns.list').length;
    await userEvent.selectOptions(canvas.getByLabelText('Status'), 'failed');
    await expect(canvas.queryByTestId('sync-run-details')).toBeNull();
    await waitFor(() =>
      expect(calledProcedures().filter((path) => path === 'syncRuns.list').length).toBe(listCalls + 1),
    );
  },
};

export const LogFailedToLoad: Story = failingToLoad('syncRuns.list', 'Could not load the audit log');
