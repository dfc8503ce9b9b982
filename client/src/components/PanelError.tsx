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
