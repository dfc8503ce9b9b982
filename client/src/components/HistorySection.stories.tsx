import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';
import { HistorySection } from './HistorySection.tsx';
import { sampleHistory } from './audit.fixtures.ts';
import { calledProcedures, withFixtureAnswers, type FixtureApiParameters } from './fixture-api-story.tsx';

const meta = {
  title: 'Integrations/Sections/HistorySection',
  component: HistorySection,
  ...withFixtureAnswers({ 'syncRuns.history': sampleHistory }),
} satisfies Meta<typeof HistorySection>;

export default meta;
type Story = StoryObj<typeof meta>;

export const History: Story = {
  play: async ({ canvas }) => {
    await expect(await canvas.findByRole('img', { name: /Sync history 30 cycles/ })).toBeVisible();
  },
};

export const FailedToLoad: Story = {
  parameters: { apiFailing: ['syncRuns.history'] } satisfies FixtureApiParameters,
  play: async ({ canvas, userEvent }) => {
    await expect(await canvas.findByRole('alert')).toHaveTextContent('Could not load the sync history');
    const asked = calledProcedures().filter((path) => path === 'syncRuns.history').length;
    await userEvent.click(canvas.getByRole('button', { name: 'Try again' }));
    await waitFor(() =>
      expect(calledProcedures().filter((path) => path === 'syncRuns.history').length).toBe(asked + 1),
    );
  },
};
