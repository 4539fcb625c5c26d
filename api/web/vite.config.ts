import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the API (api/src/console) from api/web/dist, under a strict
// Content-Security-Policy: no inline scripts, so no module-preload polyfill is inlined.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    // `vite` in api/web for development: GraphQL goes to a running API.
    proxy: { '/graphql': 'http://127.0.0.1:4000' },
  },
});
