import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';

/** A fixed "now" so relative times in stories and tests never drift. */
export const FIXTURE_NOW = new Date('2026-11-23T10:30:00Z');

export const activeReapitConnection: ConnectionSummary = {
  id: '4f2b7f0e-2a51-4d3e-9a4c-1f0f6c2b8a01',
  provider: 'reapit',
  providerName: 'Reapit',
  status: 'active',
  contactCount: 1_248,
  lastSyncedAt: '2026-11-23T10:25:00Z',
  lastErrorAt: null,
  lastErrorMessage: null,
  syncIntervalMinutes: 15,
  revokesAccess: true,
  signals: 'viewings, valuations and offers',
  currentSync: null,
  writeBackPaused: false,
};

export const erroredStreetConnection: ConnectionSummary = {
  id: '9c1d3e55-7b2a-4c8e-8f31-2d6a0b9e4c02',
  provider: 'street',
  providerName: 'Street',
  status: 'error',
  contactCount: 312,
  lastSyncedAt: '2026-11-23T07:30:00Z',
  lastErrorAt: '2026-11-23T10:15:00Z',
  lastErrorMessage:
    'Street rejected the API token (401). Generate a new token in Street under Settings › API and reconnect.',
  syncIntervalMinutes: 15,
  revokesAccess: false,
  signals: 'viewings, valuations and offers',
  currentSync: null,
  writeBackPaused: false,
};

export const disconnectedAltoConnection: ConnectionSummary = {
  id: '2e8a6c14-5d9f-4b71-a3e2-7c4b1d0f9e03',
  provider: 'alto',
  providerName: 'Alto',
  status: 'disconnected',
  contactCount: 1,
  lastSyncedAt: '2026-11-02T16:05:00Z',
  lastErrorAt: null,
  lastErrorMessage: null,
  syncIntervalMinutes: 60,
  revokesAccess: true,
  signals: 'viewings, valuations and offers',
  currentSync: null,
  writeBackPaused: false,
};

/** Connected moments ago: the first import has not finished, so there is no last sync yet. */
export const importingAgentosConnection: ConnectionSummary = {
  id: '7a3c9e21-0b4d-4f6a-8e15-3d2c1b0a9f04',
  provider: 'agentos',
  providerName: 'agentOS',
  status: 'active',
  contactCount: 0,
  lastSyncedAt: null,
  lastErrorAt: null,
  lastErrorMessage: null,
  syncIntervalMinutes: 15,
  revokesAccess: false,
  signals: 'viewings, valuations and offers',
  currentSync: {
    runId: '3f1d2c4b-5a69-4e8d-9c7b-1a2b3c4d5e6f',
    fetched: 412,
    estimatedTotal: 1228,
    startedAt: '2026-11-23T10:58:00.000Z',
  },
  writeBackPaused: false,
};

/** One connection in each state a card shows: active, in error, disconnected, first import running. */
export const connectionInEveryState: ConnectionSummary[] = [
  activeReapitConnection,
  erroredStreetConnection,
  disconnectedAltoConnection,
  importingAgentosConnection,
];
