import { useEffect, useRef, useState } from 'react';
import type { PageNotice } from '../components/IntegrationsPageView.tsx';
import { useConnectionActions } from './useConnectionActions.ts';

/** The address parameters the server's OAuth callback sends the browser back with. */
const SIGN_IN_PARAMS = ['propsync_oauth', 'propsync_provider', 'propsync_sign_in', 'propsync_oauth_error'];

/** This page's address without the outcome of an earlier sign-in: where a new sign-in returns. */
export function pageAddressWithoutSignInOutcome(): string {
  const url = new URL(window.location.href);
  for (const name of SIGN_IN_PARAMS) url.searchParams.delete(name);
  url.hash = '';
  return url.toString();
}

type SignInOutcome = { notice: PageNotice; signInId: string | null };

/**
 * Back from a sign-in at the CRM (OAuth redirect): what the address says. `returned` carries the
 * one-time id this page finishes the sign-in with; the others only say why nothing was connected.
 */
function signInOutcome(): SignInOutcome | null {
  if (typeof window === 'undefined') return null;
  const params = new URLSearchParams(window.location.search);
  const outcome = params.get('propsync_oauth');
  if (outcome === 'returned') {
    return {
      notice: { tone: 'info', text: 'Finishing the sign-in…' },
      signInId: params.get('propsync_sign_in'),
    };
  }
  if (outcome === 'denied') {
    return {
      notice: { tone: 'info', text: 'Sign-in cancelled at the CRM: nothing was connected.' },
      signInId: null,
    };
  }
  if (outcome === 'failed') {
    // Only the code's letters reach the page: the address is anyone's to write.
    const code = (params.get('propsync_oauth_error') ?? '').replace(/[^a-z_]/gi, '');
    return {
      notice: {
        tone: 'error',
        text: `The CRM did not complete the sign-in${code ? ` (${code})` : ''}: nothing was connected.`,
      },
      signInId: null,
    };
  }
  return null;
}

/**
 * Handles the page's arrival back from a sign-in at the CRM. Returns the notice the address calls
 * for on arrival (null when it is not a sign-in return); once the sign-in is finished with this
 * page's own session, its result goes to `announce`. The outcome leaves the address at once, so a
 * reload does not repeat it.
 */
export function useSignInReturn(announce: (notice: PageNotice) => void): PageNotice | null {
  const { finishSignIn } = useConnectionActions();
  const [returnedFromSignIn] = useState(signInOutcome);
  // Guards against effects run twice in development: a sign-in id is good for one finish only.
  const finishing = useRef(false);
  useEffect(() => {
    if (!returnedFromSignIn || finishing.current) return;
    finishing.current = true;
    window.history.replaceState(window.history.state, '', pageAddressWithoutSignInOutcome());
    if (!returnedFromSignIn.signInId) return;
    finishSignIn.mutate(
      { signInId: returnedFromSignIn.signInId },
      {
        onSuccess: ({ connection, reconnected }) =>
          announce({
            tone: 'info',
            text: `Signed in: ${connection.providerName} is connected and ${reconnected ? 'syncing again' : 'its first import has started'}.`,
          }),
        onError: (error) => announce({ tone: 'error', text: error.message }),
      },
    );
  }, [returnedFromSignIn, finishSignIn, announce]);
  return returnedFromSignIn?.notice ?? null;
}
