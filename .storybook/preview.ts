import type { Decorator, Preview } from '@storybook/react-vite';
import { createElement } from 'react';

/** Embedded components always live inside `.propsync-root`, which carries the theme and the type. */
const withPropsyncRoot: Decorator = (Story) =>
  createElement('div', { className: 'propsync-root', style: { padding: 16 } }, createElement(Story));

const preview: Preview = {
  decorators: [withPropsyncRoot],
  parameters: {
    layout: 'fullscreen',
  },
};

export default preview;
