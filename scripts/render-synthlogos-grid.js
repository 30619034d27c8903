#!/usr/bin/env node
/**
 * Renders docs/images/synthlogos-grid.png: 48 SynthLogos-32 images (one per brand, eight more
 * logo images and eight no-logo images) with their class and, in green, their bbox annotations.
 *
 *   node scripts/render-synthlogos-grid.js [--seed 1] [--out docs/images/synthlogos-grid.png]
 *
 * Runs the TypeScript sources directly (transpiled on load with the project's typescript).
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const ts = require("typescript");

require.extensions[".ts"] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: filename,
  });
  module._compile(outputText, filename);
};

const sharp = require("sharp");
const { generateSynthLogos32 } = require("../src/datasets/synthLogos32.ts");

const TILE_WIDTH = 240;
const IMAGE_HEIGHT = 180;
const LABEL_HEIGHT = 22;
const COLUMNS = 8;
const ROWS = 6;

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function escapeXml(text) {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
}

async function tile(dir, image) {
  const file = path.join(dir, image.relpath);
  const { width, height } = await sharp(file).metadata();
  const scale = Math.min(TILE_WIDTH / width, IMAGE_HEIGHT / height);
  const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
  const boxes = image.bboxes
    .map(
      (b) =>
        `<rect x="${b.x * scale}" y="${b.y * scale}" width="${b.width * scale}" height="${b.height * scale}" fill="none" stroke="#39ff14" stroke-width="1.5"/>`,
    )
    .join("");
  const photo = await sharp(file)
    .resize(w, h)
    .composite([{ input: Buffer.from(`<svg width="${w}" height="${h}">${boxes}</svg>`) }])
    .png()
    .toBuffer();
  const label = `<svg width="${TILE_WIDTH}" height="${LABEL_HEIGHT}"><rect width="100%" height="100%" fill="#111"/><text x="6" y="16" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#fff">${escapeXml(image.className)}</text></svg>`;
  return { photo, label: Buffer.from(label), w, h };
}

async function main() {
  const seed = argument("--seed", "1");
  const out = path.resolve(argument("--out", path.join(__dirname, "../docs/images/synthlogos-grid.png")));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "synthlogos-grid-"));
  try {
    const sizes = {
      trainPerBrand: 1,
      valPerBrand: 1,
      testPerBrand: 0,
      trainNoLogo: 0,
      valNoLogo: 8,
      testNoLogo: 0,
    };
    const { dir, manifest } = await generateSynthLogos32({ out: path.join(workDir, "synth"), seed, sizes });
    const val = manifest.images.filter((i) => i.split === "val" && i.className !== "no-logo");
    const train = manifest.images.filter((i) => i.split === "train").filter((_i, k) => k % 4 === 0);
    const noLogo = manifest.images.filter((i) => i.className === "no-logo");
    const chosen = [...val, ...train.slice(0, 8), ...noLogo.slice(0, 8)];
    const composites = [];
    for (const [k, image] of chosen.entries()) {
      const { photo, label, w, h } = await tile(dir, image);
      const left = (k % COLUMNS) * TILE_WIDTH;
      const top = Math.floor(k / COLUMNS) * (IMAGE_HEIGHT + LABEL_HEIGHT);
      composites.push({ input: label, left, top });
      composites.push({
        input: photo,
        left: left + Math.floor((TILE_WIDTH - w) / 2),
        top: top + LABEL_HEIGHT + Math.floor((IMAGE_HEIGHT - h) / 2),
      });
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await sharp({
      create: {
        width: COLUMNS * TILE_WIDTH,
        height: ROWS * (IMAGE_HEIGHT + LABEL_HEIGHT),
        channels: 3,
        background: "#222",
      },
    })
      .composite(composites)
      .png({ palette: true, quality: 90, compressionLevel: 9 })
      .toFile(out);
    console.log(`${chosen.length} images → ${path.relative(process.cwd(), out)}`);
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
