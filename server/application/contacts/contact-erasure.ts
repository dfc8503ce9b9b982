import type { ContactErasureReport, ErasureRemoved } from '../../../shared/api/erasure.dto.ts';
import { providerDisplayName } from '../../adapters/registry.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { ErasureStore } from '../../core/ports/erasure-store.ts';
import type { Logger } from '../../infrastructure/logger.ts';

/**
 * The right to erasure: the person's data leaves Propsync at once; the admin is told which CRMs
 * still hold them, since Propsync does not delete records in a CRM on its own.
 */
export class ContactErasure {
  readonly #store: ErasureStore;
  readonly #logger: Logger;

  constructor(deps: { store: ErasureStore; logger: Logger }) {
    this.#store = deps.store;
    this.#logger = deps.logger;
  }

  async erase(organisationId: string, contactId: string): Promise<ContactErasureReport> {
    const outcome = await this.#store.erase(organisationId, contactId);
    if (!outcome) {
      throw new PropsyncError(
        'CONTACT.NOT_FOUND',
        `No contact ${contactId} in this agency (already erased?)`,
      );
    }
    // Counts only: the log must not carry what was just erased.
    this.#logger.info(
      { organisationId, contactId, erasureId: outcome.erasureId, removed: outcome.removed },
      'contact erased',
    );
    const crmRecords = outcome.crmRecords.map((record) => ({
      ...record,
      providerName: providerDisplayName(record.provider),
    }));
    return {
      contactId,
      erasureId: outcome.erasureId,
      erasedAt: outcome.erasedAt.toISOString(),
      removed: outcome.removed,
      crmRecords,
      summary: summarise(outcome.removed, crmRecords),
    };
  }
}

function summarise(removed: ErasureRemoved, crmRecords: ContactErasureReport['crmRecords']): string {
  const erased = `Erased the contact, ${removed.links} CRM links, ${removed.activities} activities and ${removed.syncLogEntries} sync log entries; ${removed.conflictAuditsRedacted} conflict audit entries redacted.`;
  const held = crmRecords.filter((record) => record.active);
  if (held.length === 0) return `${erased} No connected CRM lists the person any more.`;
  const where = held.map((record) => `${record.providerName} (record ${record.externalId})`).join(', ');
  return `${erased} Still held by ${where}: erase the person there too, or a change there brings them back.`;
}
