// The app's bundle: Preact + Tailwind v4, written into the hub's static folder.
// scripts/build.mjs drives this build, then adds the icons, the manifest and the service worker.
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [tailwindcss()],
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../src/solo_brain/mesh/static",
    emptyOutDir: false,
    assetsDir: "assets",
    // iOS 16.4 is the first Safari with Web Push for installed apps.
    target: ["safari16", "chrome111", "firefox115"],
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
