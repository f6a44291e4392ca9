import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Static build for `make web` (web/dist). No inline scripts: the CSP forbids them, so the module
// preload polyfill (an inline-free file anyway) is kept off and assets stay files.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./src/test-setup.ts"],
    // Rendering a form under jsdom took over vitest's 5 s default on a loaded 2-core machine (CI may
    // be as busy); the tests assert behaviour, never timing, so a generous ceiling only avoids flakes.
    testTimeout: 30_000,
  },
});
