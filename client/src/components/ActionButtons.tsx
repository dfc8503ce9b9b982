/** One action of an item (an alert, a connection, a refused write). */
export type ItemAction = {
  label: string;
  onClick: () => void;
  /** Quieter than the item's main action: acknowledge, dismiss, disconnect. */
  secondary?: boolean;
  /** What a screen reader hears where the label alone does not say which item it acts on. */
  ariaLabel?: string;
  /** Unavailable for a reason of its own, besides the item being busy. */
  disabled?: boolean;
};

/**
 * An item's action buttons, in order, all disabled while an action on the item is in flight. An
 * action that does not apply to the item is given as `false`, `null` or `undefined` and left out.
 */
export function ActionButtons({
  className,
  busy,
  actions,
}: {
  className: string;
  busy: boolean;
  actions: (ItemAction | false | null | undefined)[];
}) {
  return (
    <div className={className}>
      {actions.map((action) =>
        action ? (
          <button
            key={action.label}
            type="button"
            className={action.secondary ? 'propsync-button propsync-button--secondary' : 'propsync-button'}
            disabled={busy || action.disabled}
            aria-label={action.ariaLabel}
            onClick={action.onClick}
          >
            {action.label}
          </button>
        ) : null,
      )}
    </div>
  );
}
