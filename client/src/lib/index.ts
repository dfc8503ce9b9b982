/** The embeddable Propsync client: what a host application imports. */
export { PropsyncProvider, type PropsyncProviderProps } from './PropsyncProvider.tsx';
export { IntegrationsPage } from '../components/IntegrationsPage.tsx';
export { ConnectionList, type ConnectionListProps } from '../components/ConnectionList.tsx';
export { ConnectionStatusPill } from '../components/ConnectionStatusPill.tsx';
