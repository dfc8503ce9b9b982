import { cleanup } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach } from 'vitest';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import { installFixtureApi, type FixtureAnswers } from './fixture-api.ts';

export type InstalledFixtureApi = ReturnType<typeof installFixtureApi>;

/**
 * For the jsdom tests of a file: answers tRPC calls from fixtures for one test at a time. Call it
 * at the top of the file; it answers `install`, which a test calls with its answers and which
 * returns the installed API (to read its requests). After each test the render is cleaned up and
 * the real fetch put back.
 */
export function useFixtureApiPerTest(): (answers: FixtureAnswers) => InstalledFixtureApi {
  let installed: InstalledFixtureApi | null = null;
  afterEach(() => {
    cleanup();
    installed?.restore();
    installed = null;
  });
  return (answers) => (installed = installFixtureApi(answers));
}

/** Wraps what a test renders in a PropsyncProvider whose calls the fixture API answers. */
export function WithPropsync({
  baseUrl = 'http://propsync.example.test',
  children,
}: {
  baseUrl?: string;
  children: ReactNode;
}) {
  return (
    <PropsyncProvider baseUrl={baseUrl} getToken={() => 'token'}>
      {children}
    </PropsyncProvider>
  );
}
