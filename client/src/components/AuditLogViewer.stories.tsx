import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, fn, waitFor } from 'storybook/test';
import type { SyncRunFilters } from '../lib/router-types.ts';
import { AuditLogViewer, type AuditLogViewerProps } from './AuditLogViewer.tsx';
import { SyncRunDetailsPanel } from './SyncRunDetailsPanel.tsx';
import { generateSyncRuns, sampleSyncRuns, succeededRunDetails } from './audit.fixtures.ts';
import { activeReapitConnection, erroredStreetConnection } from './connection.fixtures.ts';

const connections = [activeReapitConnection, erroredStreetConnection].map((connection) => ({
  id: connection.id,
  providerName: connection.providerName,
}));

/** Generated once: a 100,000-cycle audit log, to show that scrolling stays smooth. */
const hundredThousandRuns = generateSyncRuns(100_000);

const meta = {
  title: 'Audit/AuditLogViewer',
  component: AuditLogViewer,
  tags: ['autodocs'],
  args: {
    runs: sampleSyncRuns,
    totalCount: 2_417,
    hasMore: true,
    filters: {},
    connections,
    onFiltersChange: fn(),
    onLoadMore: fn(),
    onSelectRun: fn(),
    height: 320,
  },
} satisfies Meta<typeof AuditLogViewer>;

export default meta;
type Story = StoryObj<typeof meta>;

export const FirstPage: Story = {
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent('Showing 60 of 2,417 cycles');
    // Only the rows in view are rendered, however many are loaded.
    const rows = canvas.getAllByTestId('audit-log-row');
    await expect(rows.length).toBeGreaterThan(0);
    await expect(rows.length).toBeLessThan(sampleSyncRuns.length);
    await userEvent.selectOptions(canvas.getByLabelText('Status'), 'failed');
    await expect(args.onFiltersChange).toHaveBeenCalledWith({ status: 'failed' });
    await userEvent.click(canvas.getAllByRole('button', { name: /^Open the/ })[0]!);
    await expect(args.onSelectRun).toHaveBeenCalledWith(sampleSyncRuns[0]!.id);
  },
};

export const Loading: Story = {
  args: { runs: [], totalCount: 0, hasMore: false, loading: true },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent('Loading sync cycles…');
  },
};

export const Empty: Story = {
  args: { runs: [], totalCount: 0, hasMore: false },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent('No sync cycle yet.');
  },
};

export const NoMatch: Story = {
  name: 'No cycle matches the filters',
  args: {
    runs: [],
    totalCount: 0,
    hasMore: false,
    filters: { status: 'failed', from: '2026-11-01', to: '2026-11-02' },
  },
  play: async ({ canvas, userEvent, args }) => {
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent(
      'No sync cycle matches these filters.',
    );
    await userEvent.click(canvas.getByRole('button', { name: 'Clear filters' }));
    await expect(args.onFiltersChange).toHaveBeenCalledWith({});
  },
};

export const LoadFailed: Story = {
  args: { runs: [], totalCount: 0, hasMore: false, error: 'The server did not answer (503)' },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('The server did not answer (503)');
  },
};

/** Few rows loaded, more on the server: the loader row is in view, so the next page is requested. */
export const LoadingMore: Story = {
  args: { runs: sampleSyncRuns.slice(0, 3), totalCount: 2_417, hasMore: true, onLoadMore: fn() },
  play: async ({ canvas, args }) => {
    await expect(canvas.getByText('Loading more cycles…')).toBeInTheDocument();
    await waitFor(() => expect(args.onLoadMore).toHaveBeenCalled());
  },
};

/** 100,000 cycles loaded in the browser: only a screenful of rows exists in the DOM. */
export const HundredThousandCycles: Story = {
  args: { runs: hundredThousandRuns, totalCount: 100_000, hasMore: false, height: 480 },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent(
      'Showing 100,000 of 100,000 cycles',
    );
    await expect(canvas.getAllByTestId('audit-log-row').length).toBeLessThan(60);
    await expect(canvas.getByRole('table', { name: 'Sync audit log: cycles' })).toHaveAttribute(
      'aria-rowcount',
      '100001',
    );
  },
};

/** Drill-down: the selected cycle's details beside the list. */
export const WithCycleDetails: Story = {
  args: {
    selectedRunId: succeededRunDetails.run.id,
    details: <SyncRunDetailsPanel details={succeededRunDetails} />,
  },
  play: async ({ canvas }) => {
    await expect(canvas.getByTestId('sync-run-details')).toBeVisible();
    await expect(canvas.getAllByRole('button', { name: /^Open the/ })[0]).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  },
};

/** Filters held in state, as the page holds them: try them in Storybook. */
export const Interactive: Story = {
  render: function Render(args: AuditLogViewerProps) {
    const [filters, setFilters] = useState<SyncRunFilters>({});
    const [selected, setSelected] = useState<string | null>(null);
    const runs = args.runs.filter(
      (run) =>
        (!filters.status || run.status === filters.status) &&
        (!filters.connectionId || run.connectionId === filters.connectionId),
    );
    return (
      <AuditLogViewer
        {...args}
        runs={runs}
        totalCount={runs.length}
        hasMore={false}
        filters={filters}
        onFiltersChange={setFilters}
        selectedRunId={selected}
        onSelectRun={setSelected}
        details={
          selected ? (
            <SyncRunDetailsPanel details={succeededRunDetails} onClose={() => setSelected(null)} />
          ) : null
        }
      />
    );
  },
  play: async ({ canvas, userEvent }) => {
    await userEvent.selectOptions(canvas.getByLabelText('Connection'), 'Street');
    await expect(canvas.getByTestId('audit-log-summary')).toHaveTextContent('Showing 12 of 12 cycles');
    await userEvent.click(canvas.getAllByRole('button', { name: /^Open the Street cycle/ })[0]!);
    await expect(canvas.getByTestId('sync-run-details')).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Close' }));
    await expect(canvas.queryByTestId('sync-run-details')).toBeNull();
  },
};

/** The states without rows, each in a short viewer. */
const NO_RUNS = { runs: [], totalCount: 0, hasMore: false, height: 80 };

/** Every state, stacked. */
export const Catalog: Story = {
  render: (args) => (
    <div style={{ display: 'grid', gap: 32 }}>
      <AuditLogViewer {...args} title="Loaded" height={200} />
      <AuditLogViewer {...args} title="Loading" {...NO_RUNS} loading />
      <AuditLogViewer {...args} title="Empty" {...NO_RUNS} />
      <AuditLogViewer {...args} title="No match" {...NO_RUNS} filters={{ status: 'failed' }} />
      <AuditLogViewer {...args} title="Load failed" {...NO_RUNS} error="The server did not answer (503)" />
    </div>
  ),
  play: async ({ canvas }) => {
    await expect(canvas.getAllByRole('table', { name: /: cycles$/ })).toHaveLength(5);
  },
};
