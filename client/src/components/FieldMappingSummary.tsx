import { useId, useState, type ReactNode } from 'react';
import type { MappingHistoryEntry, MappingOverrides } from '../../../shared/api/connection.dto.ts';
import { NURTURE_CATEGORIES, type NurtureCategory } from '../../../shared/api/contact.dto.ts';
import type { FieldMappingSummaryData } from '../lib/router-types.ts';
import { formatAbsoluteTime } from './connection-format.ts';
import '../styles/propsync.css';

export type FieldMappingSummaryProps = {
  providerName: string;
  summary: FieldMappingSummaryData;
  /** Confirms the mapping and the suggested categories; absent for viewers. */
  onConfirm?: (() => void) | undefined;
  confirming?: boolean;
  /** Saves the admin's corrections; absent for viewers, who read them. */
  onSaveOverrides?: ((overrides: MappingOverrides) => void) | undefined;
  savingOverrides?: boolean;
};

/**
 * The review an admin does before going live (docs/product-rules.md): how many of the CRM's
 * records filled each canonical field, the nurture categories suggested from the property fields,
 * the admin's corrections (a category per fact, the CRM field used where it has several), and one
 * button to confirm them. Until then nothing is written back to the CRM.
 */
export function FieldMappingSummary({
  providerName,
  summary,
  onConfirm,
  confirming = false,
  onSaveOverrides,
  savingOverrides = false,
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
          <strong data-testid="mapping-unconfirmed">
            Not yet confirmed: write-back to {providerName} is paused until you confirm it
            {summary.pendingWrites > 0
              ? ` (${summary.pendingWrites.toLocaleString('en-GB')} writes waiting)`
              : ''}
            .
          </strong>
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
      <OverridesForm
        // A saved or reloaded summary starts the form again from what is stored.
        key={JSON.stringify(summary.overrides)}
        summary={summary}
        onSave={onSaveOverrides}
        saving={savingOverrides}
      />
      {onConfirm && !summary.confirmedAt ? (
        <button type="button" className="propsync-button" onClick={onConfirm} disabled={confirming}>
          {confirming ? 'Confirming…' : 'Confirm mapping and categories'}
        </button>
      ) : null}
    </section>
  );
}

/** The admin's corrections: a nurture category per fact, and the CRM field used where it has several. */
function OverridesForm({
  summary,
  onSave,
  saving,
}: {
  summary: FieldMappingSummaryData;
  onSave: ((overrides: MappingOverrides) => void) | undefined;
  saving: boolean;
}) {
  const [overrides, setOverrides] = useState<MappingOverrides>(summary.overrides);
  const changed = JSON.stringify(overrides) !== JSON.stringify(summary.overrides);
  const setCategory = (fact: string, category: string) => {
    const categories: Record<string, NurtureCategory> = { ...overrides.categories };
    if (category) categories[fact] = category as NurtureCategory;
    else delete categories[fact];
    setOverrides({ ...overrides, categories });
  };
  const setField = (field: string, choice: string, defaultChoice: string) => {
    const fields = { ...overrides.fields };
    if (choice === defaultChoice) delete fields[field];
    else fields[field] = choice;
    setOverrides({ ...overrides, fields });
  };
  return (
    <fieldset className="propsync-field-mapping__overrides" disabled={!onSave || saving}>
      <legend>Corrections</legend>
      {summary.categoryRules.map((rule) => (
        <label key={rule.fact} className="propsync-field">
          <span>{rule.label}</span>{' '}
          <select
            className="propsync-input"
            value={overrides.categories[rule.fact] ?? ''}
            onChange={(event) => setCategory(rule.fact, event.target.value)}
          >
            <option value="">Suggested: {rule.suggested}</option>
            {NURTURE_CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {category}
              </option>
            ))}
          </select>
        </label>
      ))}
      {summary.fieldAlternatives.map((alternative) => (
        <label key={alternative.field} className="propsync-field">
          <span>{alternative.label}</span>{' '}
          <select
            className="propsync-input"
            value={overrides.fields[alternative.field] ?? alternative.defaultChoice}
            onChange={(event) => setField(alternative.field, event.target.value, alternative.defaultChoice)}
          >
            {alternative.choices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.value === alternative.defaultChoice ? `${choice.label} (default)` : choice.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      {onSave ? (
        <button
          type="button"
          className="propsync-button"
          disabled={!changed}
          onClick={() => onSave(overrides)}
        >
          {saving ? 'Saving…' : 'Save corrections'}
        </button>
      ) : null}
    </fieldset>
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

/** The mapping's audit, newest first: who confirmed it or changed its corrections, when, and what changed. */
export function MappingHistory({ entries }: { entries: MappingHistoryEntry[] }) {
  const headingId = useId();
  const value = (text: string | null) => text ?? 'the suggestion';
  return (
    <section aria-labelledby={headingId} data-testid="mapping-history">
      <h3 id={headingId} className="propsync-section-title">
        History of this mapping
      </h3>
      {entries.length === 0 ? (
        <p className="propsync-muted">Not confirmed or changed yet.</p>
      ) : (
        <ul>
          {entries.map((entry) => (
            <li key={entry.id}>
              {formatAbsoluteTime(entry.at)}:{' '}
              {entry.action === 'confirmed' ? 'confirmed' : 'corrections changed'} by {entry.actor}
              {entry.changes.length > 0
                ? ` (${entry.changes.map((change) => `${change.key}: ${value(change.from)} → ${value(change.to)}`).join('; ')})`
                : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
