#!/usr/bin/env node
/**
 * Maintainer script: rebuilds data/backgrounds/ (the real photographs SynthLogos-32 pastes logos
 * onto) from Debian packages. Users and CI never run it; its output is committed.
 *
 *   node scripts/build-backgrounds.mjs [--work /tmp/logolab-backgrounds]
 *
 * It `apt-get download`s the packages below into the work folder, extracts them there with
 * `dpkg-deb -x`, picks the photographs whose licence is CC0, CC-BY, BSD or public domain (per
 * file, from each package's debian/copyright or upstream notes), downscales them to at most
 * 1024 px, re-encodes them as JPEG and writes data/backgrounds/index.json and LICENSES.md. Each
 * photo gets its scene from the curated SCENES table and about a fifth of every scene is marked
 * `heldOut` (see assignHeldOut), so held-out sets can use photos training never saw.
 * Never commit the .debs or the extracted trees: they stay in the work folder (default /tmp).
 * Needs Debian's apt (run `apt-get update` first) and `npm ci` (for sharp).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sharp = createRequire(path.join(repoRoot, "package.json"))("sharp");
const args = process.argv.slice(2);
const workIndex = args.indexOf("--work");
const workDir = path.resolve(workIndex >= 0 ? args[workIndex + 1] : "/tmp/logolab-backgrounds");
const outDir = path.join(repoRoot, "data/backgrounds");
const MAX_SIDE_PX = 1024;
const JPEG_QUALITY = 82;
const ALLOWED_LICENSE = /^(CC0-1\.0|CC-BY-[0-9.]+|BSD-[23]-Clause|public-domain)$/i;

// ---------------------------------------------------------------------------------------------
// Debian packages: download, extract, read versions and DEP-5 copyright files.

function fetchPackage(name) {
  const debDir = path.join(workDir, "debs");
  const extractDir = path.join(workDir, "x", name);
  fs.mkdirSync(debDir, { recursive: true });
  let deb = fs.readdirSync(debDir).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  if (!deb) {
    execFileSync("apt-get", ["download", name], { cwd: debDir, stdio: ["ignore", "ignore", "inherit"] });
    deb = fs.readdirSync(debDir).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  }
  const debPath = path.join(debDir, deb);
  if (!fs.existsSync(extractDir)) {
    fs.mkdirSync(extractDir, { recursive: true });
    execFileSync("dpkg-deb", ["-x", debPath, extractDir]);
  }
  const version = execFileSync("dpkg-deb", ["-f", debPath, "Version"], { encoding: "utf8" }).trim();
  return { name, version, root: extractDir };
}

/** DEP-5 paragraphs as {patterns, license, copyright, comment}; later paragraphs win. */
function readDep5(pkg) {
  const text = fs.readFileSync(path.join(pkg.root, "usr/share/doc", pkg.name, "copyright"), "utf8");
  const rules = [];
  for (const para of text.split(/\n\s*\n/)) {
    const files = /^Files:([\s\S]*?)(?=^[A-Za-z-]+:)/m.exec(para);
    const license = /^License:\s*(.*)$/m.exec(para);
    if (!files || !license) continue;
    const copyright = (/^Copyright:\s*([\s\S]*?)(?=^[A-Za-z-]+:|$(?![\s\S]))/m.exec(para)?.[1] ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join("; ");
    const comment = /^Comment:\s*(\S+)/m.exec(para)?.[1] ?? "";
    rules.push({
      patterns: files[1].split(/\s+/).filter(Boolean),
      license: license[1].trim(),
      copyright,
      comment,
    });
  }
  return rules;
}

function globToRegExp(glob, { ignoreExtension }) {
  const body = (ignoreExtension ? glob.replace(/\.[A-Za-z0-9]+$/, "") : glob)
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*");
  return new RegExp(`^${body}$`);
}

/** The last DEP-5 rule whose Files pattern matches `sourcePath` (DEP-5 semantics). */
function ruleFor(rules, sourcePath, options) {
  let found = null;
  for (const rule of rules) {
    if (rule.patterns.some((p) => globToRegExp(p, options).test(sourcePath))) found = rule;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Containers: Qt .rcc bundles (gcompris) and Enlightenment .edj files.

/** Files of a Qt resource bundle: [{path, data}] (zlib entries inflated; zstd ones skipped). */
function readQtRcc(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString("latin1", 0, 4) !== "qres") throw new Error(`${file} is not a Qt rcc file`);
  const version = buf.readUInt32BE(4);
  const [treeOffset, dataOffset, namesOffset] = [
    buf.readUInt32BE(8),
    buf.readUInt32BE(12),
    buf.readUInt32BE(16),
  ];
  const nodeSize = version >= 2 ? 22 : 14;
  const nameAt = (offset) => {
    const at = namesOffset + offset;
    const length = buf.readUInt16BE(at);
    let name = "";
    for (let i = 0; i < length; i++) name += String.fromCharCode(buf.readUInt16BE(at + 6 + 2 * i));
    return name;
  };
  const files = [];
  const walk = (index, prefix) => {
    const at = treeOffset + index * nodeSize;
    const name = index === 0 ? "" : nameAt(buf.readUInt32BE(at));
    const flags = buf.readUInt16BE(at + 4);
    const full = prefix ? `${prefix}/${name}` : name;
    if (flags & 2) {
      const [count, first] = [buf.readUInt32BE(at + 6), buf.readUInt32BE(at + 10)];
      for (let i = 0; i < count; i++) walk(first + i, full);
      return;
    }
    const dataAt = dataOffset + buf.readUInt32BE(at + 10);
    const raw = buf.subarray(dataAt + 4, dataAt + 4 + buf.readUInt32BE(dataAt));
    if (flags & 4) return; // zstd: not needed for the images we take
    files.push({ path: full, data: flags & 1 ? zlib.inflateSync(raw.subarray(4)) : raw });
  };
  walk(0, "");
  return files;
}

/** The largest JPEG embedded in an Enlightenment .edj (eet) file. */
async function largestEmbeddedJpeg(file) {
  const buf = fs.readFileSync(file);
  const marker = Buffer.from([0xff, 0xd8, 0xff]);
  let best = null;
  for (let at = buf.indexOf(marker); at >= 0; at = buf.indexOf(marker, at + 3)) {
    try {
      const { width } = await sharp(buf.subarray(at)).metadata();
      if (!best || width > best.width) best = { width, data: buf.subarray(at) };
    } catch {
      // not a decodable JPEG start (a marker-like byte run inside other data)
    }
  }
  return best?.data ?? null;
}

// ---------------------------------------------------------------------------------------------
// Sources: every photograph taken, with where its licence is stated.

/** lomiri-wallpapers-16.04: per-file licences in debian/copyright; take CC0 and CC-BY. */
function lomiriPhotos() {
  const pkg = fetchPackage("lomiri-wallpapers-16.04");
  const rules = readDep5(pkg);
  const dir = path.join(pkg.root, "usr/share/backgrounds");
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((file) => {
      const rule = ruleFor(rules, `16.04/${file}`, { ignoreExtension: false });
      // umang is a drawn colour gradient, not a photograph
      if (!rule || !ALLOWED_LICENSE.test(rule.license) || file.startsWith("umang")) return [];
      const name = file.replace(/_by_.*$/, "").toLowerCase();
      return [
        {
          pkg,
          name: `lomiri-${name}`,
          sourcePath: `/usr/share/backgrounds/${file}`,
          license: rule.license,
          copyright: rule.copyright,
          input: path.join(dir, file),
        },
      ];
    });
}

/** python3-skimage sample photos; licence notes from skimage/data/_fetchers.py docstrings. */
function skimagePhotos() {
  const pkg = fetchPackage("python3-skimage");
  const dir = "usr/lib/python3/dist-packages/skimage/data";
  const photos = [
    ["astronaut.png", "public-domain", "NASA (skimage: no known copyright restrictions)"],
    ["camera.png", "CC0-1.0", "Lav Varshney"],
    ["brick.png", "CC0-1.0", "CC0Textures (Bricks25)"],
    ["grass.png", "CC0-1.0", "CC0Textures"],
    ["gravel.png", "CC0-1.0", "CC0Textures (Gravel04)"],
    ["chelsea.png", "CC0-1.0", "Stefan van der Walt"],
    ["coffee.png", "CC0-1.0", "Rachel Michetti"],
    ["hubble_deep_field.jpg", "public-domain", "NASA"],
    ["rocket.jpg", "public-domain", "SpaceX"],
    ["coins.png", "public-domain", "Greek coins, Pompeii (skimage: no known copyright restrictions)"],
    ["text.png", "public-domain", "skimage: no known copyright restrictions, public domain"],
    [
      "motorcycle_left.png",
      "BSD-3-Clause",
      "Middlebury 2014 stereo benchmark (N. Nesic, P. Westling, X. Wang, Y. Kitajima, G. Krathwohl, D. Scharstein)",
      "no per-image licence in skimage/data/_fetchers.py; debian/copyright Files: * is BSD-3-Clause",
    ],
  ];
  // Left out: retina.jpg (a fundus photograph) and clock_motion.png (a blurred grey disc): no
  // logo is ever printed on either; the other files in skimage/data are charts, masks or tiny.
  return photos.map(([file, license, copyright, note]) => ({
    pkg,
    name: `skimage-${file.replace(/\..*$/, "").replace(/_/g, "-")}`,
    sourcePath: `/${dir}/${file}`,
    license,
    copyright,
    note: note ?? "package licence BSD-3-Clause; per-image note in skimage/data/_fetchers.py",
    input: path.join(pkg.root, dir, file),
  }));
}

/** opencv-doc sample photos: debian/copyright `Files: *` = Apache-2.0 AND BSD-3-Clause. */
function opencvPhotos() {
  const pkg = fetchPackage("opencv-doc");
  const base = "usr/share/doc/opencv-doc";
  const files = [
    "examples/alphamat/input_images/plant.jpg",
    "examples/reg/home.png",
    "examples/dnn_superres/butterfly.png",
    "examples/hfs/data/000.jpg",
    ...[
      "fruits.jpg",
      "baboon.jpg",
      "leuvenA.jpg",
      "leuvenB.jpg",
      "squirrel_cls.jpg",
      "home.jpg",
      "aloeL.jpg",
      "board.jpg",
      "starry_night.jpg",
      "orange.jpg",
      "chicky_512.png",
      "stuff.jpg",
      "smarties.png",
      "ela_original.jpg",
      "basketball1.png",
      "graf1.png",
      "aero1.jpg",
      "aero3.jpg",
      "apple.jpg",
      "rubberwhale1.png",
      "butterfly.jpg",
      "building.jpg",
      "licenseplate_motion.jpg",
      "box.png",
      "box_in_scene.png",
    ].map((f) => `examples/data/${f}`),
    // Street and shop-front photos of the scene-text samples (the crops that show a brand,
    // FOSTER'S and SANYO, and the blurred "Produkt" crop are left out).
    ...[
      "scenetext01.jpg",
      "scenetext02.jpg",
      "scenetext03.jpg",
      "scenetext04.jpg",
      "scenetext05.jpg",
      "scenetext06.jpg",
      "scenetext_segmented_word01.jpg",
      "scenetext_segmented_word02.jpg",
      "scenetext_segmented_word03.jpg",
    ].map((f) => `examples/text/${f}`),
    ...[
      "ambush_5_left.jpg",
      "astra_color.jpg",
      "boat.jpg",
      "fusion_mertens.jpg",
      "fsrcnnOutput.jpg",
      "retina_TreeHdr_retina.jpg",
      "studentsSample_input.jpg",
      "Background_Subtraction_Tutorial_frame.jpg",
      "Histogram_Calculation_Original_Image.jpg",
      "Template_Matching_Original_Image.jpg",
      "pexels_double_decker_bus.jpg",
      "space_shuttle.jpg",
      "4_barcodes.jpg",
      "227943776_1.jpg",
      "230501201_1.jpg",
      "handSrc.jpg",
      "Threshold_inRange_Tutorial_Result_input.jpeg",
    ].map((f) => `opencv4/html/${f}`),
  ];
  // Left out: lena/messi (rights, a UNICEF logo), logos, charts, screenshots, detector outputs
  // with drawn labels (yolo.jpg, bus_det.jpg, opencv_bus_res.jpg, person_multi_det.jpg),
  // calibration boards, drawings, photos showing a brand (realsense.jpg: Intel; detect_test1.jpg:
  // Canon) and the .avi samples (no video decoder in this toolchain; Megamind is a film trailer).
  return files.map((file) => ({
    pkg,
    name: `opencv-${path.basename(file).replace(/\..*$/, "").replace(/_/g, "-").toLowerCase()}${file.startsWith("examples/data") ? "" : `-${file.split("/")[1]}`}`,
    sourcePath: `/${base}/${file}`,
    license: "BSD-3-Clause",
    copyright: "OpenCV contributors",
    note: "debian/copyright Files: * is Apache-2.0 AND BSD-3-Clause",
    input: path.join(pkg.root, base, file),
  }));
}

/** enlightenment-data wallpapers (photographs only; the drawn ones are skipped): BSD-2-clause. */
function enlightenmentPhotos() {
  const pkg = fetchPackage("enlightenment-data");
  const dir = "usr/share/enlightenment/data/backgrounds";
  const photos = [
    "Bamboo",
    "Foggy-Trees",
    "God-Rays",
    "Green-Maple",
    "Lichen-Branches",
    "Mountain",
    "Paper-Flower",
    "Peaks",
    "Red-Maple",
    "Sea-of-Lanterns",
    "Snow-Trees",
    "Spruce-Needles",
    "Sunset-Clouds",
    "White-Flower",
    "Yellow-Flower",
  ];
  return photos.map((name) => ({
    pkg,
    name: `enlightenment-${name.toLowerCase()}`,
    sourcePath: `/${dir}/${name}.edj`,
    license: "BSD-2-Clause",
    copyright: "Enlightenment project (debian/copyright Files: *)",
    note: "largest JPEG inside the .edj",
    input: () => largestEmbeddedJpeg(path.join(pkg.root, dir, `${name}.edj`)),
  }));
}

/** gcompris-qt-data: WebP photos inside .rcc bundles; per-file licences in debian/copyright. */
async function gcomprisPhotos() {
  const pkg = fetchPackage("gcompris-qt-data");
  const rules = readDep5(pkg);
  const rccDir = path.join(pkg.root, "usr/share/gcompris-qt/rcc");
  const photos = [];
  for (const bundle of fs.readdirSync(rccDir).sort()) {
    for (const entry of readQtRcc(path.join(rccDir, bundle))) {
      if (!/\.(jpe?g|webp|png)$/i.test(entry.path) || entry.data.length < 4000) continue;
      const sourcePath = entry.path.replace(/^gcompris\//, "");
      const rule = ruleFor(rules, sourcePath.replace(/\.[A-Za-z0-9]+$/, ""), { ignoreExtension: true });
      if (!rule || !ALLOWED_LICENSE.test(rule.license) || /volleyball/.test(sourcePath)) continue;
      const { width, height } = await sharp(entry.data).metadata();
      if (width < 200 || height < 150) continue;
      const stem = sourcePath
        .split("/")
        .slice(-2)
        .join("-")
        .replace(/\..*$/, "")
        .replace(/_/g, "-")
        .toLowerCase();
      photos.push({
        pkg,
        name: `gcompris-${stem}`,
        sourcePath: `/usr/share/gcompris-qt/rcc/${bundle}:${entry.path}`,
        license: rule.license,
        copyright: [rule.copyright, rule.comment].filter(Boolean).join(" — "),
        input: entry.data,
      });
    }
  }
  return photos;
}

/** python3-sklearn sample photos (README in sklearn/datasets/images): CC-BY-2.0. */
function sklearnPhotos() {
  const pkg = fetchPackage("python3-sklearn");
  const dir = "usr/lib/python3/dist-packages/sklearn/datasets/images";
  return [
    ["china.jpg", "danielbuechele (Flickr 6061409035)"],
    ["flower.jpg", "vultilion (Flickr 6056698931)"],
  ].map(([file, copyright]) => ({
    pkg,
    name: `sklearn-${file.replace(/\..*$/, "")}`,
    sourcePath: `/${dir}/${file}`,
    license: "CC-BY-2.0",
    copyright,
    input: path.join(pkg.root, dir, file),
  }));
}

/** Qt 5 example photos: debian/copyright `Files: examples/*` is BSD-3-clause (The Qt Company). */
function qtExamplePhotos() {
  const sources = [
    [
      "qtbase5-examples",
      "2016-2019 The Qt Company Ltd.",
      [
        "widgets/effects/fademessage/background.jpg",
        "widgets/graphicsview/boxes/cubemap_posx.jpg",
        "widgets/graphicsview/weatheranchorlayout/images/place.jpg",
        "widgets/painting/composition/flower.jpg",
      ],
    ],
    [
      "qtdeclarative5-examples",
      "2016-2021 The Qt Company Ltd.",
      [
        "quick/customitems/scrollbar/pics/niagara_falls.jpg",
        "quick/particles/images/backgroundLeaves.jpg",
        "quick/touchinteraction/flickable/content/cork.jpg",
      ],
    ],
  ];
  // Left out: drawings (butterfly.png, the sub-attaq and samegame art), abstract renders,
  // the Qt advertisement (puzzle/example.jpg) and paper textures (Time-For-Lunch-2.jpg).
  return sources.flatMap(([name, copyright, files]) => {
    const pkg = fetchPackage(name);
    const dir = "usr/lib/x86_64-linux-gnu/qt5/examples";
    return files.map((file) => ({
      pkg,
      name: `qt-${path.basename(file).replace(/\..*$/, "").replace(/_/g, "-").toLowerCase()}`,
      sourcePath: `/${dir}/${file}`,
      license: "BSD-3-Clause",
      copyright,
      note: "debian/copyright Files: examples/*",
      input: path.join(pkg.root, dir, file),
    }));
  });
}

// ---------------------------------------------------------------------------------------------
// Scenes and the held-out part. Each photo's scene was assigned by looking at it (contact sheets
// of every candidate, reviewed by hand): where in the world a logo on such a background would sit.

/** The scene of every photo, by output name; a photo missing here (or a name left over) fails the build. */
const SCENES = {
  street: [
    "opencv-aero1",
    "opencv-aero3",
    "opencv-background-subtraction-tutorial-frame-html",
    "opencv-graf1",
    "opencv-leuvena",
    "opencv-leuvenb",
    "opencv-scenetext01-text",
    "opencv-scenetext02-text",
    "opencv-scenetext04-text",
    "opencv-scenetext05-text",
  ],
  shop: [
    "opencv-scenetext03-text",
    "opencv-scenetext06-text",
    "opencv-scenetext-segmented-word01-text",
    "opencv-scenetext-segmented-word02-text",
    "opencv-scenetext-segmented-word03-text",
  ],
  vehicle: [
    "opencv-licenseplate-motion",
    "opencv-pexels-double-decker-bus-html",
    "opencv-space-shuttle-html",
    "opencv-template-matching-original-image-html",
    "skimage-motorcycle-left",
    "skimage-rocket",
  ],
  people: [
    "opencv-227943776-1-html",
    "opencv-230501201-1-html",
    "opencv-ambush-5-left-html",
    "opencv-basketball1",
    "opencv-handsrc-html",
    "opencv-threshold-inrange-tutorial-result-input-html",
    "skimage-astronaut",
    "skimage-camera",
  ],
  product: [
    "gcompris-others-bucket",
    "gcompris-others-pan",
    "gcompris-renewable-solar1",
    "gcompris-renewable-solar2",
    "gcompris-renewable-solar3",
    "gcompris-renewable-solar4",
    "gcompris-renewable-solar7",
    "gcompris-tools-hammer3",
    "gcompris-tools-hammer5",
    "gcompris-tools-measuringtape3",
    "gcompris-tools-measuringtape4",
    "gcompris-tools-multimeter2",
    "gcompris-tools-nailcutter",
    "gcompris-tools-scissors2",
    "gcompris-tools-screwdriver",
    "gcompris-tools-screwdriver2",
    "gcompris-tools-sidecutter1",
    "gcompris-tools-wrench",
    "gcompris-tools-wrench1",
    "lomiri-picture_1a",
    "opencv-4-barcodes-html",
    "opencv-board",
    "opencv-box",
    "opencv-box-in-scene",
    "opencv-ela-original",
    "qt-background",
    "skimage-coins",
  ],
  food: [
    "lomiri-picture_0b",
    "lomiri-wine",
    "opencv-apple",
    "opencv-fruits",
    "opencv-fsrcnnoutput-html",
    "opencv-orange",
    "opencv-smarties",
    "skimage-coffee",
  ],
  indoor: [
    "opencv-aloel",
    "opencv-astra-color-html",
    "opencv-plant-alphamat",
    "opencv-rubberwhale1",
    "opencv-studentssample-input-html",
    "opencv-stuff",
  ],
  building: [
    "gcompris-monuments-greatwall",
    "gcompris-monuments-leaningtowerofpisa",
    "gcompris-monuments-lemusee",
    "gcompris-monuments-mountrushmore",
    "gcompris-monuments-zimnipalace",
    "gcompris-others-igloo",
    "gcompris-renewable-dam2",
    "gcompris-renewable-dam3",
    "gcompris-renewable-windmill",
    "gcompris-renewable-windmill12",
    "gcompris-renewable-windmill14",
    "gcompris-renewable-windmill7",
    "opencv-building",
    "opencv-fusion-mertens-html",
    "opencv-home",
    "opencv-home-reg",
    "sklearn-china",
  ],
  animal: [
    "gcompris-animals-crocodile",
    "gcompris-animals-moose",
    "gcompris-animals-panda",
    "gcompris-fishes-fish1",
    "gcompris-fishes-fish14",
    "gcompris-fishes-fish15",
    "gcompris-fishes-fish2",
    "gcompris-fishes-fish23",
    "gcompris-fishes-fish24",
    "gcompris-fishes-fish25",
    "gcompris-fishes-fish26",
    "gcompris-fishes-fish27",
    "gcompris-fishes-fish28",
    "gcompris-fishes-fish3",
    "gcompris-fishes-fish4",
    "gcompris-fishes-fish5",
    "lomiri-friends",
    "opencv-000-hfs",
    "opencv-baboon",
    "opencv-butterfly",
    "opencv-butterfly-dnn_superres",
    "opencv-chicky-512",
    "opencv-squirrel-cls",
    "skimage-chelsea",
  ],
  nature: [
    "enlightenment-bamboo",
    "enlightenment-foggy-trees",
    "enlightenment-god-rays",
    "enlightenment-green-maple",
    "enlightenment-lichen-branches",
    "enlightenment-mountain",
    "enlightenment-peaks",
    "enlightenment-red-maple",
    "enlightenment-snow-trees",
    "enlightenment-spruce-needles",
    "enlightenment-sunset-clouds",
    "enlightenment-white-flower",
    "enlightenment-yellow-flower",
    "lomiri-aitzgorri",
    "lomiri-life",
    "lomiri-picosdeeuropa",
    "lomiri-seeding",
    "lomiri-sunset",
    "opencv-boat-html",
    "opencv-histogram-calculation-original-image-html",
    "opencv-retina-treehdr-retina-html",
    "qt-cubemap-posx",
    "qt-flower",
    "qt-niagara-falls",
    "qt-place",
    "skimage-hubble-deep-field",
    "sklearn-flower",
  ],
  texture: [
    "enlightenment-paper-flower",
    "enlightenment-sea-of-lanterns",
    "opencv-starry-night",
    "qt-backgroundleaves",
    "qt-cork",
    "skimage-brick",
    "skimage-grass",
    "skimage-gravel",
    "skimage-text",
  ],
};

/** Near-duplicates (two views of one place or object): one group, so they are held out together. */
const SAME_VIEW_GROUPS = {
  "opencv-aero": ["opencv-aero1", "opencv-aero3"],
  "opencv-box": ["opencv-box", "opencv-box-in-scene"],
  "opencv-leuven": ["opencv-leuvena", "opencv-leuvenb"],
};

/** About this share of each scene's photos is held out: generated held-out sets draw only on them. */
const HELD_OUT_SHARE = 0.2;
const HELD_OUT_SEED = "logolab-backgrounds-v1";

function sceneOf(name) {
  const scene = Object.keys(SCENES).find((s) => SCENES[s].includes(name));
  if (!scene) throw new Error(`no scene for ${name}: add it to SCENES`);
  return scene;
}

function groupOf(name) {
  return Object.keys(SAME_VIEW_GROUPS).find((g) => SAME_VIEW_GROUPS[g].includes(name)) ?? name;
}

/**
 * Marks `heldOut` per scene: the scene's groups ranked by sha256(seed, group) are held out in that
 * order until about HELD_OUT_SHARE of its photos are, keeping at least one group in training, so
 * every scene is in both parts and no near-duplicate straddles them.
 */
function assignHeldOut(entries) {
  const rank = (group) => createHash("sha256").update(`${HELD_OUT_SEED}\u0000${group}`).digest("hex");
  for (const scene of Object.keys(SCENES)) {
    const members = entries.filter((e) => e.scene === scene);
    const groups = [...new Set(members.map((e) => e.group))].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
    if (groups.length < 2) throw new Error(`scene ${scene} needs two groups to be in both parts`);
    const target = Math.max(1, Math.round(members.length * HELD_OUT_SHARE));
    let heldOutCount = 0;
    for (const group of groups.slice(0, -1)) {
      if (heldOutCount >= target) break;
      for (const e of members.filter((m) => m.group === group)) {
        e.heldOut = true;
        heldOutCount++;
      }
    }
  }
}

function checkScenesCover(photos) {
  for (const photo of photos) sceneOf(photo.name);
  const names = new Set(photos.map((p) => p.name));
  for (const name of Object.values(SCENES).flat())
    if (!names.has(name)) throw new Error(`SCENES names ${name}, which no source produced`);
}

// ---------------------------------------------------------------------------------------------

async function writePhoto(photo) {
  const input = typeof photo.input === "function" ? await photo.input() : photo.input;
  const file = `${photo.name}.jpg`;
  const info = await sharp(input)
    .rotate()
    .resize(MAX_SIDE_PX, MAX_SIDE_PX, { fit: "inside", withoutEnlargement: true })
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .jpeg({ quality: JPEG_QUALITY })
    .toFile(path.join(outDir, file));
  return {
    file,
    width: info.width,
    height: info.height,
    bytes: info.size,
    scene: sceneOf(photo.name),
    group: groupOf(photo.name),
    heldOut: false,
    package: photo.pkg.name,
    packageVersion: photo.pkg.version,
    sourcePath: photo.sourcePath,
    license: photo.license,
    copyright: photo.copyright,
    ...(photo.note ? { note: photo.note } : {}),
  };
}

function countBy(entries, key) {
  const counts = {};
  for (const e of entries) counts[key(e)] = (counts[key(e)] ?? 0) + 1;
  return counts;
}

function licensesMarkdown(entries) {
  const totalMb = (entries.reduce((s, e) => s + e.bytes, 0) / 1e6).toFixed(1);
  const byLicense = countBy(entries, (e) => e.license);
  const heldOut = entries.filter((e) => e.heldOut);
  const bySceneAll = countBy(entries, (e) => e.scene);
  const bySceneHeldOut = countBy(heldOut, (e) => e.scene);
  const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    "# Background photographs: sources and licences",
    "",
    `${entries.length} photographs (${totalMb} MB), downscaled to at most ${MAX_SIDE_PX} px and re-encoded as JPEG`,
    "(quality 82) by `scripts/build-backgrounds.mjs` from Debian 12 (bookworm) packages. Only files whose",
    "licence is CC0, CC-BY, BSD or public domain were taken. CC-BY works are attributed below; if you",
    "redistribute images generated from them, keep this file with them. `index.json` holds the same data.",
    "",
    "Licences: " +
      Object.entries(byLicense)
        .sort()
        .map(([l, n]) => `${l} × ${n}`)
        .join(", ") +
      ".",
    "",
    `Scenes (all / held out): ${Object.keys(SCENES)
      .map((scene) => `${scene} ${bySceneAll[scene] ?? 0} / ${bySceneHeldOut[scene] ?? 0}`)
      .join(", ")}. ${heldOut.length} photos are`,
    "held out (`heldOut` in `index.json`): generated held-out sets use only them, training sets never.",
    "",
    "| File | Scene | Part | Debian package (version) | Path in package | Licence | Copyright / author |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...entries.map(
      (e) =>
        `| ${e.file} | ${e.scene} | ${e.heldOut ? "held out" : "train"} | ${e.package} (${e.packageVersion}) | ${cell(e.sourcePath)} | ${e.license} | ${cell(e.copyright)}${e.note ? ` (${cell(e.note)})` : ""} |`,
    ),
    "",
  ].join("\n");
}

async function main() {
  fs.mkdirSync(workDir, { recursive: true });
  const photos = [
    ...lomiriPhotos(),
    ...skimagePhotos(),
    ...opencvPhotos(),
    ...enlightenmentPhotos(),
    ...(await gcomprisPhotos()),
    ...sklearnPhotos(),
    ...qtExamplePhotos(),
  ];
  const names = new Set();
  for (const p of photos) {
    if (names.has(p.name)) throw new Error(`duplicate output name ${p.name}`);
    names.add(p.name);
  }
  checkScenesCover(photos);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const entries = [];
  for (const photo of photos.sort((a, b) => a.name.localeCompare(b.name)))
    entries.push(await writePhoto(photo));
  assignHeldOut(entries);
  fs.writeFileSync(path.join(outDir, "index.json"), JSON.stringify(entries, null, 1) + "\n");
  fs.writeFileSync(path.join(outDir, "LICENSES.md"), licensesMarkdown(entries));
  const totalBytes = entries.reduce((s, e) => s + e.bytes, 0);
  console.log(
    `${entries.length} photographs, ${(totalBytes / 1e6).toFixed(1)} MB in ${path.relative(repoRoot, outDir)}`,
  );
}

await main();
