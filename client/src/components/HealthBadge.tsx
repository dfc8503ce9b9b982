import { useId, useState, type KeyboardEvent } from 'react';
import { HEALTH_LABELS, type HealthState } from './connection-health.ts';
import '../styles/propsync.css';

export type HealthBadgeProps = {
  state: HealthState;
  /** Why the connection is in this state; shown on hover and on keyboard focus, and read as the description. */
  reason: string;
};

/**
 * A connection's health as colour, icon shape and text, so it never relies on colour alone. The
 * reason appears on hover and on focus (the badge is focusable), Escape hides it, and screen
 * readers get it as the badge's description whether or not it is shown.
 */
export function HealthBadge({ state, reason }: HealthBadgeProps) {
  const tooltipId = useId();
  const [open, setOpen] = useState(false);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setOpen(false);
  };
  return (
    <span className="propsync-health" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button
        type="button"
        className={`propsync-health__badge propsync-health__badge--${state}`}
        data-health={state}
        data-testid="health-badge"
        aria-describedby={tooltipId}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onClick={() => setOpen((current) => !current)}
        onKeyDown={onKeyDown}
      >
        <span className={`propsync-health__icon propsync-health__icon--${state}`} aria-hidden="true" />
        {/* The full phrase for assistive technology; the short label for the eye. */}
        <span className="propsync-visually-hidden">Status: {HEALTH_LABELS[state]}</span>
        <span aria-hidden="true">{HEALTH_LABELS[state]}</span>
      </button>
      <span id={tooltipId} role="tooltip" className="propsync-health__tooltip" hidden={!open}>
        {reason}
      </span>
    </span>
  );
}
