// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { useFixtureApiPerTest, WithPropsync } from '../web-component/fixture-api-test.tsx';
import { IntegrationsPage } from './IntegrationsPage.tsx';
import { activeReapitConnection, erroredStreetConnection } from './connection.fixtures.ts';
import { refusedEmailWrite } from './failed-writes.fixtures.ts';

const installApi = useFixtureApiPerTest();

describe('IntegrationsPage: writes the CRM refused', () => {
  it('lists them with Retry and Dismiss, and the card of their connection counts them', async () => {
    const fixtureApi = installApi({
      'connections.list': [activeReapitConnection, erroredStreetConnection],
      'alerts.list': { items: [], nextCursor: null, totalCount: 0 },
      'failedWrites.list': [refusedEmailWrite],
      'failedWrites.counts': [
        { connectionId: activeReapitConnection.id, parked: 1, deadLettered: 0, failedWrites: 1 },
      ],
      'failedWrites.retry': { writeId: refusedEmailWrite.id, status: 'pending' },
    });
    render(
      <WithPropsync>
        <IntegrationsPage />
      </WithPropsync>,
    );
    const list = await screen.findByRole('region', { name: 'Failed writes to your CRM' });
    expect(within(list).getByText(/email is not a valid address/)).toBeTruthy();
    expect(within(list).getByRole('button', { name: /^Dismiss the write for Olivia/ })).toBeTruthy();

    const reapitCard = screen.getByRole('article', { name: activeReapitConnection.providerName });
    await waitFor(() =>
      expect(within(reapitCard).getByTestId('connection-issues').textContent).toBe(
        '1 write refused by the CRM, waiting for you to retry or dismiss' +
          '1 webhook update waiting to be applied (retried automatically)',
      ),
    );
    const streetCard = screen.getByRole('article', { name: erroredStreetConnection.providerName });
    expect(within(streetCard).queryByTestId('connection-issues')).toBeNull();

    await userEvent.click(within(list).getByRole('button', { name: /^Retry the write for Olivia/ }));
    await waitFor(() =>
      expect(fixtureApi.requests.some((request) => request.url.includes('failedWrites.retry'))).toBe(true),
    );
  });
});
