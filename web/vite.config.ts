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
  },
});
