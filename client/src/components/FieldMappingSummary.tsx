import { useId, type ReactNode } from 'react';
import type { FieldMappingSummaryData } from '../lib/router-types.ts';
import { formatAbsoluteTime } from './connection-format.ts';
import '../styles/propsync.css';

export type FieldMappingSummaryProps = {
  providerName: string;
  summary: FieldMappingSummaryData;
  /** Confirms the mapping and the suggested categories; absent for viewers. */
  onConfirm?: (() => void) | undefined;
  confirming?: boolean;
};

/**
 * The review an admin does before going live (docs/product-rules.md): how many of the CRM's
 * records filled each canonical field, and the nurture categories suggested from the property
 * fields, with one button to confirm them.
 */
export function FieldMappingSummary({
  providerName,
  summary,
  onConfirm,
  confirming = false,
}: FieldMappingSummaryProps) {
  const headingId = useId();
  const percent = (filled: number) =>
    summary.records === 0 ? 0 : Math.round((filled / summary.records) * 100);
  return (
    <section className="propsync-field-mapping" aria-labelledby={headingId}>
      <h2 id={headingId} className="propsync-section-title">
        {providerName} field mapping
      </h2>
      <p className="propsync-field-mapping__lead">
        From {summary.records.toLocaleString('en-GB')} records in {providerName}.{' '}
        {summary.confirmedAt ? (
          <span data-testid="mapping-confirmed">Confirmed {formatAbsoluteTime(summary.confirmedAt)}.</span>
        ) : (
          <strong data-testid="mapping-unconfirmed">Not yet confirmed: review it before going live.</strong>
        )}
      </p>
      <div className="propsync-field-mapping__columns">
        <RecordsTable caption="Canonical fields this CRM filled" rowHeader="Field">
          {summary.fields.map((field) => (
            <tr
              key={field.field}
              className={field.filled === 0 ? 'propsync-field-mapping__row--empty' : undefined}
            >
              <th scope="row">{field.label}</th>
              <td>
                {field.filled.toLocaleString('en-GB')}{' '}
                <span className="propsync-muted">({percent(field.filled)}%)</span>
              </td>
            </tr>
          ))}
        </RecordsTable>
        <RecordsTable caption="Suggested nurture categories" rowHeader="Category">
          {summary.categories.map((category) => (
            <tr key={category.category}>
              <th scope="row">
                {category.category === 'Unknown' ? 'No suggestion (review by hand)' : category.category}
              </th>
              <td>{category.records.toLocaleString('en-GB')}</td>
            </tr>
          ))}
        </RecordsTable>
      </div>
      {onConfirm && !summary.confirmedAt ? (
        <button type="button" className="propsync-button" onClick={onConfirm} disabled={confirming}>
          {confirming ? 'Confirming…' : 'Confirm mapping and categories'}
        </button>
      ) : null}
    </section>
  );
}

/** One of the review's two tables: what each row counts, and how many records. */
function RecordsTable({
  caption,
  rowHeader,
  children,
}: {
  caption: string;
  rowHeader: string;
  children: ReactNode;
}) {
  return (
    <table className="propsync-field-mapping__table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{rowHeader}</th>
          <th scope="col">Records</th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
