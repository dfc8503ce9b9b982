import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ConnectionList } from './ConnectionList.tsx';
import {
  activeReapitConnection,
  disconnectedAltoConnection,
  erroredStreetConnection,
  FIXTURE_NOW,
  importingAgentosConnection,
} from './connection.fixtures.ts';
import { formatContactCount, formatRelativeTime, formatSyncInterval } from './connection-format.ts';

// No DOM in this test environment: render to HTML and read the text a person would see.
function render(connections: Parameters<typeof ConnectionList>[0]['connections']) {
  const html = renderToStaticMarkup(<ConnectionList connections={connections} now={FIXTURE_NOW} />);
  const text = html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return { html, text };
}

describe('ConnectionList', () => {
  it('shows a running sync as records so far of the estimated total', () => {
    const { html, text } = render([importingAgentosConnection]);
    expect(text).toContain('Syncing: 412 of 1,228 records');
    expect(html).toMatch(/<progress[^>]*max="1228"[^>]*value="412"/);
    expect(render([activeReapitConnection]).html).not.toContain('sync-progress');
  });

  it('shows an active connection with its provider, status, formatted count and last sync', () => {
    const { html, text } = render([activeReapitConnection]);
    expect(html).toContain('data-testid="connection-card-reapit"');
    for (const shown of ['Reapit', 'Status: Active', '1,248 contacts', '5 minutes ago', 'Every 15 minutes']) {
      expect(text).toContain(shown);
    }
    expect(html).not.toContain('data-testid="last-error"');
  });

  it('shows the last error message of a connection in error', () => {
    const { html, text } = render([erroredStreetConnection]);
    expect(html).toContain('data-testid="last-error"');
    for (const shown of ['Status: Error', 'Street rejected the API token (401)', '15 minutes ago']) {
      expect(text).toContain(shown);
    }
  });

  it('shows a disconnected connection and a first import still running', () => {
    const { text } = render([disconnectedAltoConnection, importingAgentosConnection]);
    expect(text).toContain('Status: Disconnected');
    expect(text).toContain('1 contact ');
    expect(text).toContain('First sync in progress');
    expect(text).toContain('0 contacts');
  });

  it('shows an empty state when nothing is connected', () => {
    const { html, text } = render([]);
    expect(text).toContain('No CRM connected yet');
    expect(html).not.toContain('connection-card-');
  });
});

describe('connection formatting', () => {
  it('formats counts the UK way with the right plural', () => {
    expect(formatContactCount(0)).toBe('0 contacts');
    expect(formatContactCount(1)).toBe('1 contact');
    expect(formatContactCount(1_000)).toBe('1,000 contacts');
    expect(formatContactCount(1_234_567)).toBe('1,234,567 contacts');
  });

  it('formats elapsed time relative to now', () => {
    const at = (secondsAgo: number) => new Date(FIXTURE_NOW.getTime() - secondsAgo * 1000).toISOString();
    expect(formatRelativeTime(at(10), FIXTURE_NOW)).toBe('just now');
    // A browser clock slightly behind the server's must not say "in 5 seconds".
    expect(formatRelativeTime(at(-5), FIXTURE_NOW)).toBe('just now');
    expect(formatRelativeTime(at(50), FIXTURE_NOW)).toBe('1 minute ago');
    expect(formatRelativeTime(at(3 * 3600), FIXTURE_NOW)).toBe('3 hours ago');
    expect(formatRelativeTime(at(86_400), FIXTURE_NOW)).toBe('yesterday');
    expect(formatRelativeTime('not a date', FIXTURE_NOW)).toBe('unknown');
  });

  it('formats the sync schedule', () => {
    expect(formatSyncInterval(15)).toBe('Every 15 minutes');
    expect(formatSyncInterval(60)).toBe('Every hour');
    expect(formatSyncInterval(120)).toBe('Every 2 hours');
  });
});
