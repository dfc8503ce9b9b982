import { useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { CrmProvider } from '../../../shared/api/provider.dto.ts';
import { useConnectionActions } from '../hooks/useConnectionActions.ts';
import { useApiUnavailable } from '../hooks/useConnections.ts';
import { useProviders } from '../hooks/useProviders.ts';
import { pageAddressWithoutSignInOutcome } from '../hooks/useSignInReturn.ts';
import { ConnectForm } from './ConnectForm.tsx';
import type { PageNotice } from './IntegrationsPageView.tsx';
import { QueryPanelError } from './PanelError.tsx';

/** What the open form is for: a new connection (maybe of a given CRM), or new credentials for one. */
export type ConnectFormOpening = {
  provider: CrmProvider | undefined;
  reconnectTarget: ConnectionSummary | null;
};

export type ConnectFormControl = ReturnType<typeof useConnectForm>;

/**
 * The connect form's state and requests. Held by the page rather than the section, because a
 * card's or an alert's "Reconnect" opens the form too.
 */
export function useConnectForm() {
  const { connect, reconnect, startSignIn } = useConnectionActions();
  /** Null while the form is closed. */
  const [opening, setOpening] = useState<ConnectFormOpening | null>(null);
  return {
    opening,
    connect,
    reconnect,
    startSignIn,
    open: (provider: CrmProvider | undefined, reconnectTarget: ConnectionSummary | null = null) => {
      setOpening({ provider, reconnectTarget });
      // The form opens without the last attempt's error.
      connect.reset();
      startSignIn.reset();
      reconnect.reset();
    },
    close: () => setOpening(null),
  };
}

export type ConnectSectionProps = {
  form: ConnectFormControl;
  connections: ConnectionSummary[] | undefined;
  /** Where a finished connect or reconnect is said. */
  announce: (notice: PageNotice) => void;
};

/**
 * "Connect a CRM": the button, then the form for the CRMs not connected yet (or for new
 * credentials of one connection). Signing in at the CRM leaves the page and comes back to it.
 */
export function ConnectSection({ form, connections, announce }: ConnectSectionProps) {
  const providers = useProviders();
  const apiUnavailable = useApiUnavailable();
  const { opening, connect, reconnect, startSignIn } = form;

  const connectedProviders = new Set(
    (connections ?? [])
      .filter((connection) => connection.status !== 'disconnected')
      .map((connection) => connection.provider),
  );
  const connectable = (providers.data ?? []).filter((provider) => !connectedProviders.has(provider.id));

  // Propsync cannot be called at all: nothing can be connected, and the connection list says why.
  if (apiUnavailable) return null;
  if (providers.isError) return <QueryPanelError what="the CRMs you can connect" query={providers} />;
  if (!opening) {
    return connectable.length > 0 ? (
      <button type="button" className="propsync-button" onClick={() => form.open(undefined)}>
        Connect a CRM
      </button>
    ) : null;
  }

  const { provider, reconnectTarget } = opening;
  const formMutation = reconnectTarget ? reconnect : connect;
  // Reconnecting a connected CRM: the form offers that one CRM although it is connected.
  const offered =
    provider && !connectable.some((candidate) => candidate.id === provider)
      ? [...connectable, ...(providers.data ?? []).filter((candidate) => candidate.id === provider)]
      : connectable;
  const done = (text: string) => {
    form.close();
    announce({ tone: 'info', text });
  };

  return (
    <ConnectForm
      key={`${reconnectTarget?.id ?? 'new'}:${provider ?? 'any'}`}
      mode={reconnectTarget ? 'reconnect' : 'connect'}
      providers={offered}
      initialProvider={provider}
      submitting={formMutation.isPending || startSignIn.isPending}
      error={
        formMutation.isError
          ? formMutation.error.message
          : startSignIn.isError
            ? startSignIn.error.message
            : null
      }
      onCancel={form.close}
      onSignIn={(request) =>
        startSignIn.mutate(
          {
            ...request,
            returnTo: pageAddressWithoutSignInOutcome(),
            ...(reconnectTarget ? { connectionId: reconnectTarget.id } : {}),
          },
          { onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl) },
        )
      }
      onSubmit={(request) => {
        if (reconnectTarget) {
          reconnect.mutate(
            {
              connectionId: reconnectTarget.id,
              credentials: request.credentials,
              ...(Object.keys(request.settings).length > 0 ? { settings: request.settings } : {}),
            },
            { onSuccess: (summary) => done(`${summary.providerName} reconnected. A sync has started.`) },
          );
        } else {
          connect.mutate(request, {
            onSuccess: (summary) => done(`${summary.providerName} connected. The first import has started.`),
          });
        }
      }}
    />
  );
}
