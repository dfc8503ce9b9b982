// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { useFixtureApiPerTest, WithPropsync } from '../web-component/fixture-api-test.tsx';
import { FailedWritesPanel, FailedWritesSection } from './FailedWrites.tsx';
import { refusedEmailWrite, refusedFlagWrite } from './failed-writes.fixtures.ts';

const installApi = useFixtureApiPerTest();

describe('FailedWritesPanel', () => {
  it('names the contact, the write and the CRM’s reason, and hands Retry and Dismiss the write', async () => {
    const onRetry = vi.fn();
    const onDismiss = vi.fn();
    render(
      <FailedWritesPanel
        writes={[refusedEmailWrite, refusedFlagWrite]}
        onRetry={onRetry}
        onDismiss={onDismiss}
      />,
    );
    expect(screen.getByRole('heading', { name: 'Failed writes to your CRM' })).toBeTruthy();
    const [first] = screen.getAllByTestId('failed-write');
    expect(first!.textContent).toContain(
      "Reapit refused the update of emails for Olivia O'Brien (Reapit record RPT20000001)",
    );
    expect(first!.textContent).toContain(
      'Reapit said (HTTP 422): Reapit refused the change: email is not a valid address',
    );
    await userEvent.click(screen.getByRole('button', { name: /^Retry the write for Olivia/ }));
    expect(onRetry).toHaveBeenCalledWith(refusedEmailWrite);
    await userEvent.click(
      screen.getByRole('button', { name: 'Dismiss the write for Reapit record RPT20000099' }),
    );
    expect(onDismiss).toHaveBeenCalledWith(refusedFlagWrite);
  });

  it('shows nothing when no write failed, and no buttons to viewers', () => {
    const { container } = render(<FailedWritesPanel writes={[]} onRetry={vi.fn()} />);
    expect(container.innerHTML).toBe('');
    cleanup();
    render(<FailedWritesPanel writes={[refusedEmailWrite]} onRetry={vi.fn()} onDismiss={vi.fn()} readOnly />);
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('disables the buttons of a write in flight', () => {
    render(
      <FailedWritesPanel
        writes={[refusedEmailWrite, refusedFlagWrite]}
        onRetry={vi.fn()}
        onDismiss={vi.fn()}
        busyWriteIds={new Set([refusedEmailWrite.id])}
      />,
    );
    const disabled = screen.getAllByRole('button').filter((button) => (button as HTMLButtonElement).disabled);
    expect(disabled.map((button) => button.getAttribute('aria-label'))).toEqual([
      "Retry the write for Olivia O'Brien (Reapit record RPT20000001)",
      "Dismiss the write for Olivia O'Brien (Reapit record RPT20000001)",
    ]);
  });
});

describe('FailedWritesSection', () => {
  it('lists the refused writes from the API and dismisses one through failedWrites.dismiss', async () => {
    const fixtureApi = installApi({
      'failedWrites.list': [refusedEmailWrite],
      'failedWrites.dismiss': { writeId: refusedEmailWrite.id, status: 'dismissed' },
    });
    render(
      <WithPropsync>
        <FailedWritesSection />
      </WithPropsync>,
    );
    await userEvent.click(await screen.findByRole('button', { name: /^Dismiss the write for Olivia/ }));
    await waitFor(() =>
      expect(fixtureApi.requests.some((request) => request.url.includes('failedWrites.dismiss'))).toBe(true),
    );
    const dismissal = fixtureApi.requests.find((request) => request.url.includes('failedWrites.dismiss'));
    expect(dismissal!.body).toContain(refusedEmailWrite.id);
  });
});
