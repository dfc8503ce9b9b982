import type {
  AlertView,
  ConflictDetail,
  ConnectionSummary,
  DisconnectResult,
  FieldMappingSummaryData,
  OAuthFinish,
  Page,
  ProviderListing,
  SyncHistoryPoint,
  SyncQueued,
  SyncRunDetails,
  SyncRunSummary,
} from '../lib/router-types.ts';
import type { MappingHistoryEntry } from '../../../shared/api/connection.dto.ts';
import type {
  ConnectionIssueCounts,
  FailedWriteActionResult,
  FailedWriteView,
} from '../../../shared/api/failed-write.dto.ts';

/**
 * The answers a story's page gets, per procedure (what the server's router would return, whatever
 * the input). A procedure left out, or set to undefined, fails as the server fails an unknown one.
 */
export type FixtureAnswers = Partial<{
  'connections.list': ConnectionSummary[];
  'connections.connect': ConnectionSummary;
  'connections.finishOAuth': OAuthFinish;
  'connections.syncNow': SyncQueued;
  'connections.disconnect': DisconnectResult;
  'connections.setSchedule': ConnectionSummary;
  'connections.fieldMapping': FieldMappingSummaryData;
  'connections.confirmFieldMapping': FieldMappingSummaryData;
  'connections.setMappingOverrides': FieldMappingSummaryData;
  'connections.mappingHistory': MappingHistoryEntry[];
  'providers.list': ProviderListing[];
  'alerts.list': Page<AlertView>;
  'alerts.acknowledge': AlertView;
  'syncRuns.list': Page<SyncRunSummary>;
  'syncRuns.get': SyncRunDetails;
  'syncRuns.history': SyncHistoryPoint[];
  'conflicts.get': ConflictDetail;
  'failedWrites.list': FailedWriteView[];
  'failedWrites.retry': FailedWriteActionResult;
  'failedWrites.dismiss': FailedWriteActionResult;
  'failedWrites.counts': ConnectionIssueCounts[];
}>;

export type FixtureRequest = {
  url: string;
  authorization: string | null;
  /** A mutation's input, as the tRPC link sent it (JSON keyed by its place in the batch). */
  body: string | null;
};

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/**
 * Answers the page's tRPC requests from fixtures, so a story renders the real data-fetching page
 * with no server: a batched call `/trpc/a,b?batch=1` (queries and mutations alike) gets one
 * `{ result: { data } }` per procedure, and a procedure without a fixture a NOT_FOUND error, as
 * the server would. Records each request's address, Authorization header and body. `restore()`
 * puts the browser's fetch back.
 */
export function installFixtureApi(answers: FixtureAnswers): {
  requests: FixtureRequest[];
  restore: () => void;
} {
  const requests: FixtureRequest[] = [];
  const originalFetch = window.fetch;
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = urlOf(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    requests.push({
      url,
      authorization: headers.get('authorization'),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    const match = /\/trpc\/([^?]+)/.exec(url);
    if (!match) return originalFetch(input, init);
    const paths = decodeURIComponent(match[1]!).split(',');
    const body = paths.map((path) =>
      answers[path as keyof FixtureAnswers] !== undefined
        ? { result: { data: answers[path as keyof FixtureAnswers] } }
        : {
            error: {
              message: `No fixture answers ${path}`,
              code: -32004,
              data: { code: 'NOT_FOUND', httpStatus: 404, path, propsyncCode: null, fieldErrors: null },
            },
          },
    );
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return {
    requests,
    restore: () => {
      window.fetch = originalFetch;
    },
  };
}
