import { describe, expect, it } from 'vitest';
import { describeDeliveryRecords } from './parking-policy.ts';

describe('describeDeliveryRecords', () => {
  it('names the records a delivery carries, deleted activity records included, by id only', () => {
    expect(
      describeDeliveryRecords({
        eventType: 'Appointment.Modified',
        deliveryKey: 'evt-1',
        removedActivityIds: ['appointment:76000012'],
      }),
    ).toBe('the Appointment.Modified delivery evt-1 (deleted CRM record appointment:76000012)');
    expect(describeDeliveryRecords({ eventType: 'Offer.Modified', deliveryKey: 'evt-2' })).toBe(
      'the Offer.Modified delivery evt-2 (no record)',
    );
  });
});
