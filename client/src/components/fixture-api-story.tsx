import type { StoryContext } from '@storybook/react-vite';
import type { ReactElement } from 'react';
import { expect } from 'storybook/test';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import { installFixtureApi, type FixtureAnswers, type FixtureRequest } from '../web-component/fixture-api.ts';

/** What a story of a data-fetching container sets: its API's answers, and which calls fail. */
export type FixtureApiParameters = {
  api?: FixtureAnswers;
  /** Procedures that fail (NOT_FOUND), though `api` answers them: a story's way to break one panel. */
  apiFailing?: (keyof FixtureAnswers)[];
};

let requests: FixtureRequest[] = [];

/** The procedures the story's containers have called so far, in order, e.g. `alerts.acknowledge`. */
export function calledProcedures(): string[] {
  return requests.flatMap((request) => {
    const match = /\/trpc\/([^?]+)/.exec(request.url);
    return match ? decodeURIComponent(match[1]!).split(',') : [];
  });
}

/** A story of a container whose call to `procedure` fails: it says, as an alert, `message`. */
export function failingToLoad(procedure: keyof FixtureAnswers, message: string) {
  return {
    parameters: { apiFailing: [procedure] } satisfies FixtureApiParameters,
    play: async ({ canvas }: Pick<StoryContext, 'canvas'>) => {
      await expect(await canvas.findByRole('alert')).toHaveTextContent(message);
    },
  };
}

/**
 * Story annotations for a container that fetches its own data: its tRPC calls are answered from
 * `parameters.api` (no server), under a PropsyncProvider of its own (a fresh query cache per story).
 */
export const withFixtureApi = {
  beforeEach: ({ parameters }: { parameters: Record<string, unknown> }) => {
    const { api = {}, apiFailing = [] } = parameters as FixtureApiParameters;
    const answers = Object.fromEntries(
      Object.entries(api).filter(([path]) => !apiFailing.includes(path as keyof FixtureAnswers)),
    );
    const installed = installFixtureApi(answers);
    requests = installed.requests;
    return installed.restore;
  },
  decorators: [
    (Story: () => ReactElement) => (
      <PropsyncProvider baseUrl="https://propsync.example.test" getToken={() => 'story-embed-token'}>
        <Story />
      </PropsyncProvider>
    ),
  ],
};

/** A container story's annotations in one spread: `withFixtureApi`, its calls answered with `api`. */
export function withFixtureAnswers(api: FixtureAnswers) {
  return { ...withFixtureApi, parameters: { api } satisfies FixtureApiParameters };
}
