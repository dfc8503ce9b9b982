import { errorMessage } from '../lib/trpc-errors.ts';
import '../styles/propsync.css';

export type PanelErrorProps = {
  /** What could not be loaded, e.g. "the alerts". */
  what: string;
  /** The reason, as the API or the diagnosis gives it: something a person can act on. */
  message: string;
  onRetry?: () => void;
};

/** A panel whose data could not be loaded: what failed, why, and a way to ask again. */
export function PanelError({ what, message, onRetry }: PanelErrorProps) {
  return (
    <div className="propsync-notice propsync-notice--error" role="alert" data-testid="panel-error">
      <p>
        Could not load {what}: {message}
      </p>
      {onRetry ? (
        <button type="button" className="propsync-button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A failed query as a `PanelError`: its error's message, and "Try again" asks again. */
export function QueryPanelError({
  what,
  query,
}: {
  what: string;
  query: { error: unknown; refetch: () => unknown };
}) {
  return <PanelError what={what} message={errorMessage(query.error)} onRetry={() => void query.refetch()} />;
}
