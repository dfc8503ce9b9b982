import type { StorybookConfig } from '@storybook/react-vite';

/**
 * Stories sit beside their components under client/. The Vite builder loads the root
 * vite.config.ts (React plugin) and sets its own root, so the client build settings do not apply.
 */
const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../client/**/*.stories.tsx'],
  // Autodocs pages for every component tagged `autodocs`.
  addons: ['@storybook/addon-docs'],
  core: { disableTelemetry: true },
};

export default config;
