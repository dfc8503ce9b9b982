// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionList } from './ConnectionList.tsx';
import { FieldMappingSummary } from './FieldMappingSummary.tsx';
import { activeReapitConnection, disconnectedAltoConnection, FIXTURE_NOW } from './connection.fixtures.ts';
import { unconfirmedFieldMapping } from './field-mapping.fixtures.ts';

afterEach(cleanup);

describe('the mapping review that gates write-back', () => {
  it('says on the card that write-back is paused until the mapping is confirmed, and nothing once it is', () => {
    render(
      <ConnectionList
        connections={[
          { ...activeReapitConnection, writeBackPaused: true },
          { ...disconnectedAltoConnection, writeBackPaused: true },
        ]}
        now={FIXTURE_NOW}
      />,
    );
    expect(
      within(screen.getByTestId('connection-card-reapit')).getByTestId('write-back-paused').textContent,
    ).toBe(
      'Write-back paused until the field mapping is confirmed: Propsync imports from Reapit but writes nothing to it yet.',
    );
    // A disconnected connection writes nothing anyway: no notice.
    expect(within(screen.getByTestId('connection-card-alto')).queryByTestId('write-back-paused')).toBeNull();
    cleanup();
    render(<ConnectionList connections={[activeReapitConnection]} now={FIXTURE_NOW} />);
    expect(screen.queryByTestId('write-back-paused')).toBeNull();
  });

  it('saves only what the admin changed, and a choice set back to the suggestion is no override', () => {
    const onSaveOverrides = vi.fn();
    render(
      <FieldMappingSummary
        providerName="Reapit"
        summary={{
          ...unconfirmedFieldMapping,
          overrides: { categories: { 'tenancyStatus:former': 'Tenant' }, fields: {} },
        }}
        onSaveOverrides={onSaveOverrides}
      />,
    );
    const save = screen.getByRole('button', { name: 'Save corrections' });
    expect(save).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByRole('combobox', { name: 'Former tenancy' }), { target: { value: '' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Active tenancy' }), {
      target: { value: 'Landlord' },
    });
    fireEvent.change(screen.getByRole('combobox', { name: 'Primary phone' }), {
      target: { value: 'workPhone' },
    });
    fireEvent.change(screen.getByRole('combobox', { name: 'Primary phone' }), {
      target: { value: 'mobilePhone' },
    });
    fireEvent.click(save);
    expect(onSaveOverrides).toHaveBeenCalledWith({
      categories: { 'tenancyStatus:active': 'Landlord' },
      fields: {},
    });
  });

  it('lets a viewer read the corrections but not change or save them', () => {
    render(
      <FieldMappingSummary
        providerName="Reapit"
        summary={{
          ...unconfirmedFieldMapping,
          overrides: { categories: {}, fields: { phones: 'homePhone' } },
        }}
      />,
    );
    expect(screen.getByRole('combobox', { name: 'Primary phone' })).toHaveProperty('value', 'homePhone');
    // Disabled with its fieldset, as every correction is.
    expect(screen.getByRole('combobox', { name: 'Primary phone' }).matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button')).toBeNull();
  });
});
