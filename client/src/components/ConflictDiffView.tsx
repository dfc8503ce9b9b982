import { useId } from 'react';
import type { ConflictDetail } from '../lib/router-types.ts';
import { formatAbsoluteTime } from './connection-format.ts';
import { formatFieldValue, humaniseField } from './audit-format.ts';
import '../styles/propsync.css';

export type ConflictDiffViewProps = { conflict: ConflictDetail };

/** The rule names of field policies, as a person reads them. */
export const RULE_LABELS: Record<string, string> = {
  crm_wins: 'The CRM owns this field',
  platform_wins: 'Propsync owns this field (engagement)',
  most_recent: 'The most recent change wins',
  deny_wins: 'An opt-out always wins',
  forward_only: 'Status only moves forward',
  only_crm_changed: 'Only the CRM changed it',
  only_platform_changed: 'Only Propsync changed it',
};

const WINNER_LABELS = { crm: 'CRM', platform: 'Propsync', mixed: 'Both, field by field' } as const;

/**
 * A conflict a person can read: for each differing field, the CRM's version beside Propsync's,
 * which side won and the rule that decided, with the time of both writes.
 */
export function ConflictDiffView({ conflict }: ConflictDiffViewProps) {
  const headingId = useId();
  const crmName = conflict.providerName ?? 'CRM';
  return (
    <section className="propsync-conflict" aria-labelledby={headingId} data-testid="conflict-diff">
      <header className="propsync-conflict__header">
        <h3 id={headingId} className="propsync-conflict__title">
          Conflict on {conflict.contactName}
        </h3>
        <p className="propsync-conflict__winner">
          Kept: <strong>{WINNER_LABELS[conflict.winner]}</strong>
        </p>
      </header>
      <table className="propsync-table propsync-conflict__table">
        <caption className="propsync-visually-hidden">
          Each differing field with both versions, the winner and the rule
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">
              {crmName} version
              <span className="propsync-conflict__time">
                changed{' '}
                <time dateTime={conflict.crmModifiedAt}>{formatAbsoluteTime(conflict.crmModifiedAt)}</time>
              </span>
            </th>
            <th scope="col">
              Propsync version
              <span className="propsync-conflict__time">
                changed{' '}
                <time dateTime={conflict.platformModifiedAt}>
                  {formatAbsoluteTime(conflict.platformModifiedAt)}
                </time>
              </span>
            </th>
            <th scope="col">Winner</th>
            <th scope="col">Rule</th>
          </tr>
        </thead>
        <tbody>
          {conflict.fields.map((field) => (
            <tr key={field.field} data-testid={`conflict-field-${field.field}`}>
              <th scope="row">{humaniseField(field.field)}</th>
              <td
                className={
                  field.winner === 'crm' ? 'propsync-conflict__kept' : 'propsync-conflict__discarded'
                }
              >
                {formatFieldValue(field.crmValue)}
                {field.winner === 'crm' ? <span className="propsync-visually-hidden"> (kept)</span> : null}
              </td>
              <td
                className={
                  field.winner === 'platform' ? 'propsync-conflict__kept' : 'propsync-conflict__discarded'
                }
              >
                {formatFieldValue(field.platformValue)}
                {field.winner === 'platform' ? (
                  <span className="propsync-visually-hidden"> (kept)</span>
                ) : null}
              </td>
              <td>{field.winner === null ? '—' : field.winner === 'crm' ? crmName : 'Propsync'}</td>
              <td>{field.rule ? (RULE_LABELS[field.rule] ?? field.rule) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="propsync-muted">
        The discarded version is kept in this audit trail, which nothing can change.
      </p>
    </section>
  );
}
