import { useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { useFieldMapping, useMappingHistory } from '../hooks/useFieldMapping.ts';
import { FieldMappingSummary, MappingHistory } from './FieldMappingSummary.tsx';
import { QueryPanelError } from './PanelError.tsx';

export type MappingSectionProps = {
  connections: ConnectionSummary[] | undefined;
  /** Viewers review the mapping but cannot confirm it. */
  readOnly?: boolean;
};

/**
 * The field-mapping review of one live connection (the first, until another is picked): what
 * Propsync reads from the CRM, to confirm before going live.
 */
export function MappingSection({ connections, readOnly = false }: MappingSectionProps) {
  const mappable = (connections ?? []).filter((connection) => connection.status !== 'disconnected');
  const [chosenConnectionId, setChosenConnectionId] = useState<string | null>(null);
  // A chosen connection that was since disconnected falls back to the first live one.
  const target = mappable.find((connection) => connection.id === chosenConnectionId) ?? mappable[0] ?? null;
  const fieldMapping = useFieldMapping(target?.id ?? null);
  const [historyShown, setHistoryShown] = useState(false);
  const history = useMappingHistory(target?.id ?? null, historyShown);

  if (!target) return null;
  if (fieldMapping.summary.isError) {
    return <QueryPanelError what="the field mapping" query={fieldMapping.summary} />;
  }
  if (!fieldMapping.summary.data) return null;
  return (
    <>
      <label className="propsync-field">
        <span>Review the field mapping of</span>{' '}
        <select value={target.id} onChange={(event) => setChosenConnectionId(event.target.value)}>
          {mappable.map((connection) => (
            <option key={connection.id} value={connection.id}>
              {connection.providerName}
            </option>
          ))}
        </select>
      </label>
      <FieldMappingSummary
        providerName={target.providerName}
        summary={fieldMapping.summary.data}
        confirming={fieldMapping.confirm.isPending}
        onConfirm={readOnly ? undefined : () => fieldMapping.confirm.mutate({ connectionId: target.id })}
        savingOverrides={fieldMapping.setOverrides.isPending}
        onSaveOverrides={
          readOnly
            ? undefined
            : (overrides) => fieldMapping.setOverrides.mutate({ connectionId: target.id, overrides })
        }
      />
      {/* The audit of who confirmed and corrected the mapping, for admins. */}
      {readOnly ? null : historyShown ? (
        history.isError ? (
          <QueryPanelError what="the mapping's history" query={history} />
        ) : history.data ? (
          <MappingHistory entries={history.data} />
        ) : null
      ) : (
        <button type="button" className="propsync-button" onClick={() => setHistoryShown(true)}>
          Show who confirmed and changed this mapping
        </button>
      )}
    </>
  );
}
