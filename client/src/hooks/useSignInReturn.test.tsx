// @vitest-environment jsdom
import { renderHook, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { activeReapitConnection } from '../components/connection.fixtures.ts';
import type { FixtureAnswers } from '../web-component/fixture-api.ts';
import { useFixtureApiPerTest, WithPropsync } from '../web-component/fixture-api-test.tsx';
import { pageAddressWithoutSignInOutcome, useSignInReturn } from './useSignInReturn.ts';

const PAGE_PATH = '/dashboard/settings/integrations';

afterEach(() => window.history.replaceState(null, '', '/'));
const installApi = useFixtureApiPerTest();

/** The browser comes back to the page with this query string (and hash). */
function arriveWith(searchAndHash: string) {
  window.history.replaceState(null, '', `${PAGE_PATH}${searchAndHash}`);
}

/** Mounts the hook as the page does, in StrictMode, whose doubled effects must not finish twice. */
function renderSignInReturn(answers: FixtureAnswers = {}) {
  const fixtureApi = installApi(answers);
  const announce = vi.fn();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <WithPropsync>{children}</WithPropsync>
    </StrictMode>
  );
  const { result } = renderHook(() => useSignInReturn(announce), { wrapper });
  const finishRequests = () =>
    fixtureApi.requests.filter((request) => request.url.includes('/trpc/connections.finishOAuth'));
  return { arrivalNotice: result.current, announce, finishRequests };
}

/** Waits until the hook has announced this notice. */
async function expectAnnounced(announce: ReturnType<typeof vi.fn>, tone: 'info' | 'error', text: string) {
  await waitFor(() => expect(announce).toHaveBeenCalledWith({ tone, text }));
}

describe('useSignInReturn', () => {
  it('does nothing on an ordinary visit', async () => {
    arriveWith('?tab=crm');
    const { arrivalNotice, announce, finishRequests } = renderSignInReturn();
    expect(arrivalNotice).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finishRequests()).toEqual([]);
    expect(announce).not.toHaveBeenCalled();
    expect(window.location.search).toBe('?tab=crm');
  });

  it('finishes a returned sign-in once, with its id, and announces the new connection', async () => {
    arriveWith('?tab=crm&propsync_oauth=returned&propsync_provider=reapit&propsync_sign_in=sign-in-1#top');
    const { arrivalNotice, announce, finishRequests } = renderSignInReturn({
      'connections.finishOAuth': { connection: activeReapitConnection, reconnected: false },
    });
    expect(arrivalNotice).toEqual({ tone: 'info', text: 'Finishing the sign-in…' });
    await expectAnnounced(
      announce,
      'info',
      'Signed in: Reapit is connected and its first import has started.',
    );
    expect(finishRequests()).toHaveLength(1);
    expect(JSON.parse(finishRequests()[0]!.body!)).toEqual({ 0: { signInId: 'sign-in-1' } });
    // The outcome leaves the address, so a reload does not finish (or announce) it again.
    expect(window.location.href).toBe(`${window.location.origin}${PAGE_PATH}?tab=crm`);
  });

  it('says a reconnected connection syncs again', async () => {
    arriveWith('?propsync_oauth=returned&propsync_sign_in=sign-in-2');
    const { announce } = renderSignInReturn({
      'connections.finishOAuth': { connection: activeReapitConnection, reconnected: true },
    });
    await expectAnnounced(announce, 'info', 'Signed in: Reapit is connected and syncing again.');
  });

  it('announces why finishing failed', async () => {
    arriveWith('?propsync_oauth=returned&propsync_sign_in=expired');
    const { announce } = renderSignInReturn({});
    await expectAnnounced(announce, 'error', 'No fixture answers connections.finishOAuth');
  });

  it('does not try to finish a return that carries no sign-in id', async () => {
    arriveWith('?propsync_oauth=returned');
    const { arrivalNotice, finishRequests } = renderSignInReturn();
    expect(arrivalNotice).toEqual({ tone: 'info', text: 'Finishing the sign-in…' });
    await waitFor(() => expect(window.location.search).toBe(''));
    expect(finishRequests()).toEqual([]);
  });

  it('says a sign-in cancelled at the CRM connected nothing', async () => {
    arriveWith('?propsync_oauth=denied&propsync_provider=reapit');
    const { arrivalNotice, announce, finishRequests } = renderSignInReturn();
    expect(arrivalNotice).toEqual({
      tone: 'info',
      text: 'Sign-in cancelled at the CRM: nothing was connected.',
    });
    await waitFor(() => expect(window.location.search).toBe(''));
    expect(finishRequests()).toEqual([]);
    expect(announce).not.toHaveBeenCalled();
  });

  it("shows a failed sign-in's error code, only its letters and underscores", () => {
    arriveWith('?propsync_oauth=failed&propsync_oauth_error=state_mismatch%3Cscript%3E');
    expect(renderSignInReturn().arrivalNotice).toEqual({
      tone: 'error',
      text: 'The CRM did not complete the sign-in (state_mismatchscript): nothing was connected.',
    });
  });

  it('says a failed sign-in without a code failed', () => {
    arriveWith('?propsync_oauth=failed');
    expect(renderSignInReturn().arrivalNotice).toEqual({
      tone: 'error',
      text: 'The CRM did not complete the sign-in: nothing was connected.',
    });
  });

  it('ignores an outcome it does not know', () => {
    arriveWith('?propsync_oauth=maybe');
    expect(renderSignInReturn().arrivalNotice).toBeNull();
  });
});

describe('pageAddressWithoutSignInOutcome', () => {
  it("keeps the page's own parameters and drops the sign-in's and the hash", () => {
    arriveWith(
      '?tab=crm&propsync_oauth=failed&propsync_provider=alto&propsync_sign_in=x&propsync_oauth_error=y#connect',
    );
    expect(pageAddressWithoutSignInOutcome()).toBe(`${window.location.origin}${PAGE_PATH}?tab=crm`);
  });
});
