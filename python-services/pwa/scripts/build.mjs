// Build the PWA into the hub's static folder:
//   1. the app (Vite: Preact + Tailwind), hashed assets under assets/
//   2. icons (192, 512, maskable, apple-touch-icon 180, badge) and iOS startup images, from SVG
//   3. manifest.webmanifest, and the startup-image links in index.html
//   4. sw.js, with this build's version and the list of files that make the offline shell
//   5. a .gz beside each text file (the hub serves it), and the first-load budget check
import { Resvg } from "@resvg/resvg-js";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, "..", "src", "solo_brain", "mesh", "static");
const BUDGET_GZIP_BYTES = 150 * 1024;
const THEME = "#4f46e5";
const BACKGROUND = "#f8fafc";

function clean() {
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) {
    if (name !== "README.md") rmSync(join(out, name), { recursive: true, force: true });
  }
}

function files(dir = out) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function png(svg, width, height = width) {
  return new Resvg(svg, { fitTo: { mode: "width", value: width } }).render().asPng();
}

const ICON = readFileSync(join(root, "assets", "icon.svg"), "utf8");
const GLYPH = ICON.slice(ICON.indexOf("<g"), ICON.indexOf("</g>") + 4);
const DEFS = ICON.slice(ICON.indexOf("<defs>"), ICON.indexOf("</defs>") + 7);

// Full-bleed square: iOS and maskable icons get their shape from the system.
function squareIcon(scale) {
  const inset = (512 - 512 * scale) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">${DEFS}<rect width="512" height="512" fill="url(#g)"/><g transform="translate(${inset} ${inset}) scale(${scale})">${GLYPH}</g></svg>`;
}

function splash(w, h) {
  const size = Math.round(Math.min(w, h) * 0.28);
  const x = (w - size) / 2;
  const y = (h - size) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect width="${w}" height="${h}" fill="${BACKGROUND}"/><svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="0 0 512 512">${ICON.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "")}</svg></svg>`;
}

// iPhones and iPads in portrait: CSS width × height @ device pixel ratio.
const DEVICES = [
  [440, 956, 3], [402, 874, 3], [430, 932, 3], [393, 852, 3], [428, 926, 3], [390, 844, 3],
  [375, 812, 3], [414, 896, 3], [414, 896, 2], [375, 667, 2], [320, 568, 2],
  [1024, 1366, 2], [834, 1194, 2], [820, 1180, 2], [810, 1080, 2], [768, 1024, 2],
];

function icons() {
  const dir = join(out, "icons");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "icon.svg"), ICON);
  writeFileSync(join(dir, "icon-192.png"), png(ICON, 192));
  writeFileSync(join(dir, "icon-512.png"), png(ICON, 512));
  writeFileSync(join(dir, "maskable-512.png"), png(squareIcon(0.8), 512));
  writeFileSync(join(dir, "apple-touch-icon.png"), png(squareIcon(0.9), 180));
  const badge = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">${GLYPH}</svg>`;
  writeFileSync(join(dir, "badge-96.png"), png(badge, 96));
  const links = [];
  for (const [w, h, dpr] of DEVICES) {
    const name = `splash-${w * dpr}x${h * dpr}.png`;
    writeFileSync(join(dir, name), png(splash(w * dpr, h * dpr), w * dpr, h * dpr));
    links.push(
      `<link rel="apple-touch-startup-image" href="/icons/${name}" media="(device-width: ${w}px) and (device-height: ${h}px) and (-webkit-device-pixel-ratio: ${dpr}) and (orientation: portrait)" />`,
    );
  }
  return links;
}

function manifest() {
  const body = {
    id: "/",
    name: "Solo Brain",
    short_name: "Solo Brain",
    description: "Captures, boîte de réception et sessions Claude Code.",
    lang: "fr",
    dir: "ltr",
    start_url: "/",
    scope: "/",
    display: "standalone",
    orientation: "any",
    theme_color: THEME,
    background_color: BACKGROUND,
    categories: ["productivity"],
    icons: [
      { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
      { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
      { src: "/icons/icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
    ],
    shortcuts: [
      { name: "Capturer", url: "/capture", icons: [{ src: "/icons/icon-192.png", sizes: "192x192" }] },
      { name: "Sessions", url: "/sessions", icons: [{ src: "/icons/icon-192.png", sizes: "192x192" }] },
    ],
  };
  writeFileSync(join(out, "manifest.webmanifest"), JSON.stringify(body, null, 2));
}

async function serviceWorker() {
  // The shell: the page, its assets, the manifest and the small icons (not the splash images).
  const precache = files()
    .map((f) => "/" + relative(out, f).split("\\").join("/"))
    .filter((p) => p !== "/README.md" && !p.startsWith("/icons/splash-") && !p.endsWith(".gz"))
    .sort();
  const version = createHash("sha256");
  for (const p of precache) version.update(p).update(readFileSync(join(out, p)));
  await build({
    configFile: false,
    logLevel: "warn",
    define: {
      __VERSION__: JSON.stringify(version.digest("hex").slice(0, 16)),
      __PRECACHE__: JSON.stringify(precache),
    },
    build: {
      outDir: out,
      emptyOutDir: false,
      target: "safari16",
      lib: { entry: join(root, "src", "sw", "sw.ts"), formats: ["iife"], name: "sw", fileName: () => "sw.js" },
    },
  });
}

function compress() {
  for (const file of files()) {
    if (/\.(js|css|html|webmanifest|svg|json)$/.test(file)) {
      writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    }
  }
}

function checkBudget() {
  const html = readFileSync(join(out, "index.html"), "utf8");
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const bytes = scripts.reduce((n, s) => n + gzipSync(readFileSync(join(out, s)), { level: 9 }).length, 0);
  const kb = (bytes / 1024).toFixed(1);
  console.log(`pwa: first load ${scripts.length} script(s), ${kb} KB of JavaScript gzipped (budget 150 KB)`);
  if (bytes > BUDGET_GZIP_BYTES) throw new Error(`first-load JavaScript is ${kb} KB gzipped, over the 150 KB budget`);
}

clean();
await build({ root, configFile: join(root, "vite.config.ts"), logLevel: "warn" });
const links = icons();
const index = join(out, "index.html");
writeFileSync(index, readFileSync(index, "utf8").replace("<!-- startup-images -->", links.join("\n    ")));
manifest();
await serviceWorker();
compress();
checkBudget();
console.log(`pwa: built into ${relative(process.cwd(), out) || out}`);
