import type { HTMLAttributes } from 'react';
import '../styles/propsync.css';

/**
 * The element every Propsync style is scoped under: it sets Propsync's own font, colours and the
 * `--propsync-*` theme, so host styles neither leak in nor out. Wrap individual components in it
 * (IntegrationsPage brings its own).
 */
export function PropsyncRoot({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div {...props} className={className ? `propsync-root ${className}` : 'propsync-root'} />;
}
