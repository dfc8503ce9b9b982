import type { MappingHistoryEntry } from '../../../shared/api/connection.dto.ts';
import type { FieldMappingSummaryData } from '../lib/router-types.ts';

/** A Reapit import's field coverage and suggested categories, before the admin has confirmed them. */
export const unconfirmedFieldMapping: FieldMappingSummaryData = {
  connectionId: '6df2c4ea-b9d9-48b6-b7ce-e480c0abbfb9',
  records: 1_178,
  fields: [
    { field: 'title', label: 'Title', filled: 1_012 },
    { field: 'firstName', label: 'First name', filled: 1_178 },
    { field: 'lastName', label: 'Last name', filled: 1_178 },
    { field: 'emails', label: 'Email addresses', filled: 1_141 },
    { field: 'phones', label: 'Phone numbers (E.164)', filled: 1_160 },
    { field: 'address.postcode', label: 'Postcode', filled: 1_178 },
    { field: 'address.uprn', label: 'UPRN', filled: 0 },
    { field: 'address.udprn', label: 'UDPRN', filled: 0 },
    { field: 'marketingConsent', label: 'Marketing consent', filled: 903 },
    { field: 'profile.applicantType', label: 'Applicant type', filled: 512 },
    { field: 'profile.tenancyStatus', label: 'Tenancy status', filled: 188 },
    { field: 'profile.propertyInterest', label: 'Property interest', filled: 377 },
  ],
  categories: [
    { category: 'Buyer', records: 402 },
    { category: 'Seller', records: 281 },
    { category: 'Landlord', records: 190 },
    { category: 'Active Tenant', records: 121 },
    { category: 'Tenant', records: 98 },
    { category: 'Unknown', records: 86 },
  ],
  categoryRules: [
    { fact: 'applicantType:buyer', label: 'Applicant buying', suggested: 'Buyer', override: null },
    { fact: 'applicantType:tenant', label: 'Applicant renting', suggested: 'Tenant', override: null },
    { fact: 'tenancyStatus:prospective', label: 'Prospective tenancy', suggested: 'Unknown', override: null },
    { fact: 'tenancyStatus:active', label: 'Active tenancy', suggested: 'Active Tenant', override: null },
    { fact: 'tenancyStatus:former', label: 'Former tenancy', suggested: 'Unknown', override: null },
  ],
  fieldAlternatives: [
    {
      field: 'phones',
      label: 'Primary phone',
      choices: [
        { value: 'mobilePhone', label: 'Mobile (mobilePhone)' },
        { value: 'homePhone', label: 'Home (homePhone)' },
        { value: 'workPhone', label: 'Work (workPhone)' },
      ],
      defaultChoice: 'mobilePhone',
      chosen: 'mobilePhone',
    },
  ],
  overrides: { categories: {}, fields: {} },
  confirmedAt: null,
  pendingWrites: 214,
};

/** A mapping corrected by one admin, confirmed, then corrected again. */
export const mappingHistory: MappingHistoryEntry[] = [
  {
    id: '0b7c9f1e-4d1a-4c56-9a0e-3f5d2b8e7a10',
    action: 'overrides_changed',
    actor: 'admin:jane.admin@harbour.example',
    at: '2026-11-24T09:02:00.000Z',
    changes: [{ key: 'field.phones', from: null, to: 'homePhone' }],
  },
  {
    id: '5e2a8c3d-7b9f-4e1a-8c6d-2f4b6a8c0e12',
    action: 'confirmed',
    actor: 'admin:jane.admin@harbour.example',
    at: '2026-11-23T10:31:00.000Z',
    changes: [{ key: 'category.applicantType:buyer', from: null, to: 'Applicant' }],
  },
];
