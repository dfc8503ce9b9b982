// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionList } from './ConnectionList.tsx';
import { activeReapitConnection, erroredStreetConnection, FIXTURE_NOW } from './connection.fixtures.ts';

afterEach(cleanup);

describe('the connection card’s counts of what needs attention', () => {
  it('says the non-zero counts of its own connection in words, and nothing on a card with none', () => {
    render(
      <ConnectionList
        connections={[activeReapitConnection, erroredStreetConnection]}
        now={FIXTURE_NOW}
        issueCounts={[
          { connectionId: activeReapitConnection.id, parked: 0, deadLettered: 0, failedWrites: 3 },
          { connectionId: erroredStreetConnection.id, parked: 0, deadLettered: 0, failedWrites: 0 },
        ]}
      />,
    );
    const reapit = within(screen.getByTestId('connection-card-reapit'));
    expect(reapit.getByTestId('connection-issues').textContent).toBe(
      '3 writes refused by the CRM, waiting for you to retry or dismiss',
    );
    expect(
      within(screen.getByTestId('connection-card-street')).queryByTestId('connection-issues'),
    ).toBeNull();
  });

  it('shows nothing while the counts are not known', () => {
    render(<ConnectionList connections={[activeReapitConnection]} now={FIXTURE_NOW} />);
    expect(screen.queryByTestId('connection-issues')).toBeNull();
  });
});

describe('the connection card’s signals', () => {
  it('says which engagement signals its CRM gives, and how, so a webhook-only CRM says so', () => {
    const alto = {
      ...activeReapitConnection,
      provider: 'alto',
      providerName: 'Alto',
      signals:
        "valuations polled; viewings and offers by webhook only (Alto's API does not list them by change)",
    };
    render(<ConnectionList connections={[alto]} now={FIXTURE_NOW} />);
    expect(within(screen.getByTestId('connection-card-alto')).getByTestId('signals').textContent).toMatch(
      /viewings and offers by webhook only/,
    );
  });
});

describe('the connection card’s requests today', () => {
  it('says how much of the CRM’s daily limit is used only once it passes 80%', () => {
    const card = (used: number) => {
      cleanup();
      render(
        <ConnectionList
          connections={[{ ...activeReapitConnection, requestsToday: { used, limit: 250_000 } }]}
          now={FIXTURE_NOW}
        />,
      );
      return screen.queryByTestId('requests-today')?.textContent ?? null;
    };
    expect(card(199_999)).toBeNull();
    expect(card(212_480)).toBe("212,480 of 250,000 requests today (the CRM's daily limit)");
    expect(card(250_000)).toBe(
      '250,000 of 250,000 requests today: the daily limit is reached, syncing resumes after midnight UTC',
    );
  });
});
