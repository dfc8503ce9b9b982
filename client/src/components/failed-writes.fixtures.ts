import type { FailedWriteView } from '../../../shared/api/failed-write.dto.ts';
import { activeReapitConnection } from './connection.fixtures.ts';

/** A contact update Reapit refused: the email Propsync held did not pass its validation. */
export const refusedEmailWrite: FailedWriteView = {
  id: '7d1a4a52-3c55-4c9e-9a5e-2f3f0f9d1a01',
  connectionId: activeReapitConnection.id,
  provider: 'reapit',
  providerName: 'Reapit',
  contactId: '2b0d7a8e-41a6-4c1e-8d0f-6a7c3b9e5f10',
  contactName: "Olivia O'Brien",
  contactExternalId: 'RPT20000001',
  kind: 'contact_update',
  description: 'the update of emails',
  reason: 'Reapit refused the change: email is not a valid address',
  statusCode: 422,
  attempts: 1,
  refusedAt: '2026-11-23T10:30:00.000Z',
};

/** A hot-lead flag written to a record the CRM no longer has, for a contact with no name. */
export const refusedFlagWrite: FailedWriteView = {
  id: '7d1a4a52-3c55-4c9e-9a5e-2f3f0f9d1a02',
  connectionId: activeReapitConnection.id,
  provider: 'reapit',
  providerName: 'Reapit',
  contactId: null,
  contactName: null,
  contactExternalId: 'RPT20000099',
  kind: 'metadata',
  description: 'the hot-lead flag "Hot lead: score 82"',
  reason: 'Reapit has no contact RPT20000099',
  statusCode: 404,
  attempts: 1,
  refusedAt: '2026-11-23T09:15:00.000Z',
};
