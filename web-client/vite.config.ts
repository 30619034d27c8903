import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `npm run dev:web` sends API calls: a LogoLab server (`npm start`) on its default port. */
const API = process.env.LOGOLAB_API_URL ?? "http://127.0.0.1:4000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under /assets: the server marks them immutable.
    assetsDir: "assets",
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      onwarn(warning, warn) {
        // React-compiler-runtime (a GraphiQL dependency) starts with "use no memo"; harmless.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
      input: {
        app: resolve(import.meta.dirname, "index.html"),
        explorer: resolve(import.meta.dirname, "explorer.html"),
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/graphql": { target: API, ws: true, changeOrigin: true },
      "/thumbnails": { target: API, changeOrigin: true },
      "/healthz": { target: API, changeOrigin: true },
    },
  },
});
