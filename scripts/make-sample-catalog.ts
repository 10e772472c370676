/**
 * Writes data/sample-catalog.tsv: a small, made-up home-improvement catalog for the quick start
 * and the Worker tests. Deterministic (seeded), so the committed file can be regenerated as-is:
 *   npx tsx scripts/make-sample-catalog.ts
 */
import { writeFileSync } from "node:fs";
import { mulberry32 } from "./random.ts";

const brands = ["Northwind", "Acme Pro", "Hearthstone", "Bluebird", "Ironclad", "Maple & Co.", "Summit", "Tidewater"];
const families: { type: string; sizes: string[]; finishes: string[]; extras: string[] }[] = [
  { type: "Door Knob", sizes: [""], finishes: ["Satin Nickel", "Oil-Rubbed Bronze", "Polished Brass", "Matte Black"], extras: ["Privacy", "Passage", "Keyed Entry"] },
  { type: "Cabinet Pull", sizes: ["3 in.", "3-3/4 in.", "5 in."], finishes: ["Satin Nickel", "Matte Black", "Brushed Gold"], extras: ["Bar", "Cup", "Arch"] },
  { type: "Deck Screw", sizes: ["#8 x 2-1/2 in.", "#10 x 3 in.", "#9 x 3-1/2 in."], finishes: ["Tan", "Gray", "Stainless Steel"], extras: ["1 lb. Box", "5 lb. Box"] },
  { type: "Interior Paint", sizes: ["1 gal.", "5 gal.", "1 qt."], finishes: ["Eggshell", "Satin", "Semi-Gloss", "Flat"], extras: ["Ultra Pure White", "Swiss Coffee", "Agreeable Gray"] },
  { type: "LED Light Bulb", sizes: ["60-Watt Equivalent", "75-Watt Equivalent", "100-Watt Equivalent"], finishes: ["Soft White", "Daylight", "Bright White"], extras: ["A19", "BR30", "(4-Pack)"] },
  { type: "Toilet", sizes: ["12 in. Rough-In"], finishes: ["White", "Biscuit"], extras: ["Elongated", "Round", "Dual Flush"] },
  { type: "Shelf Bracket", sizes: ["6 in. x 8 in.", "8 in. x 10 in.", "10 in. x 12 in."], finishes: ["White", "Black", "Galvanized"], extras: ["L-Shaped", "Decorative", "Heavy Duty"] },
  { type: "Garden Hose", sizes: ["5/8 in. x 50 ft.", "5/8 in. x 75 ft.", "3/4 in. x 100 ft."], finishes: ["Green", "Black"], extras: ["Kink-Free", "Heavy Duty", "Lightweight"] },
  { type: "Ceiling Fan", sizes: ["44 in.", "52 in.", "60 in."], finishes: ["Brushed Nickel", "Matte Black", "White"], extras: ["with Light Kit", "Indoor/Outdoor", "with Remote Control"] },
  { type: "Wood Stain", sizes: ["1 qt.", "1 gal."], finishes: ["Semi-Transparent", "Solid Color", "Transparent"], extras: ["Cedar", "Redwood", "Dark Walnut"] },
  { type: "Contact Paper", sizes: ["18 in. x 20 ft.", "24 in. x 15 ft."], finishes: ["Clear", "White Marble", "Wood Grain"], extras: ["Self-Adhesive", "Removable"] },
  { type: "Angle Bracket", sizes: ["1-1/2 in.", "2 in.", "3 in."], finishes: ["Galvanized", "Zinc-Plated"], extras: ["12-Gauge", "16-Gauge"] },
];

const random = mulberry32(20261128);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const titles = new Set<string>();
for (let guard = 0; titles.size < 600 && guard < 100_000; guard++) {
  const f = pick(families);
  const parts = [pick(brands), pick(f.sizes), pick(f.finishes), pick(f.extras), f.type];
  titles.add(parts.filter((p) => p !== "").join(" "));
}
const rows = ["id\ttitle", ...[...titles].map((t, i) => `SKU-${String(10001 + i)}\t${t}`)];
writeFileSync(new URL("../data/sample-catalog.tsv", import.meta.url), rows.join("\n") + "\n");
console.log(`wrote ${titles.size} products to data/sample-catalog.tsv`);
