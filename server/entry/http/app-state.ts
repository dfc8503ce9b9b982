import type { Services } from '../services.ts';

/** What every HTTP route reads: the services, or null until the database is reachable and migrated. */
export type AppState = { services: Services | null };
