"""Synthetic catalogs that look like the sample store: varied titles, descriptions, attributes,
prices and variants, reproducible from a seed.

    python -m bench.generate_catalog --products 20000 --out /tmp/kb20k/catalog/products.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

CATEGORIES = {
    "Jackets": (["Rain Shell", "Softshell", "Down Jacket", "Parka", "Wind Jacket", "Insulated Vest", "Anorak"],
                ["recycled nylon", "polyester", "GORE-TEX 3L", "nylon ripstop"], "apparel"),
    "Footwear": (["Trail Runner", "Road Runner", "Hiking Boot", "Light Hiker", "Winter Boot", "Sandal", "Approach Shoe"],
                 ["engineered mesh", "full-grain leather", "suede", "knit mesh"], "shoes"),
    "Backpacks": (["Daypack", "Trekking Pack", "Roll-Top Pack", "Hip Pack", "Running Vest", "Travel Pack", "Duffel"],
                  ["210D ripstop nylon", "recycled polyester", "TPU-laminated polyester", "Dyneema composite"], "none"),
    "Tents & Shelter": (["Backpacking Tent", "Family Tent", "Tarp", "Bivy", "Hammock", "Screen House"],
                        ["20D ripstop nylon", "silnylon", "polyester"], "none"),
    "Sleeping Gear": (["Down Sleeping Bag", "Synthetic Sleeping Bag", "Air Pad", "Foam Pad", "Camp Quilt", "Pillow"],
                      ["nylon", "polyester", "closed-cell foam"], "sleep"),
    "Apparel": (["Base Layer", "Tech Tee", "Hiking Pants", "Running Shorts", "Sun Hoodie", "Beanie", "Gloves"],
                ["merino wool", "recycled polyester", "nylon/elastane", "organic cotton"], "apparel"),
    "Camp Kitchen": (["Canister Stove", "Cookset", "Insulated Bottle", "Water Filter", "Mug", "Cooler"],
                     ["titanium", "stainless steel", "hard-anodized aluminium", "polyethylene"], "none"),
    "Electronics": (["Headlamp", "Lantern", "Power Bank", "GPS Watch", "Solar Panel", "Speaker"],
                    ["aluminium", "polycarbonate", "ABS plastic"], "none"),
}
BRANDS = ["Northpeak", "Alder & Pine", "Trailhead Basics", "Stridewell", "Granite Co.", "Ridgeway Packs",
          "Lumen Trail", "Pathfinder", "Little Trails", "Qingshan", "Summit Forge", "Cedar Line"]
NAMES = ["Cascade", "Ridge", "Summit", "Alpine", "Glacier", "Canyon", "Meadow", "Basecamp", "Switchback", "Tundra",
         "Horizon", "Ember", "Drift", "Boulder", "Cirrus", "Juniper", "Sierra", "Timber", "Harbor", "Aspen"]
USES = ["day hikes", "city commutes", "multi-day treks", "trail running", "car camping", "alpine climbing",
        "winter walks", "travel", "backpacking", "festival weekends"]
FEATURES = ["taped seams", "pit zips", "a helmet-compatible hood", "a rock plate", "a ventilated back panel",
            "reflective trim", "a hydration sleeve", "a packable stuff sack", "YKK zips", "a lifetime of repairs",
            "recycled fabrics", "a water-repellent finish", "USB-C charging", "a red light mode", "cork grips"]
COLOURS = ["Black", "Navy", "Forest Green", "Red", "Grey", "Blue", "Orange", "Sand", "Teal", "Yellow"]
SIZES = {"apparel": ["XS", "S", "M", "L", "XL"], "shoes": ["7", "8", "9", "10", "11", "12"],
         "sleep": ["Regular", "Long"], "none": [None]}
WARRANTY = {"Backpacks": "5 years", "Tents & Shelter": "5 years", "Footwear": "1 year", "Apparel": "1 year",
            "Electronics": "1 year"}


def product(rng: random.Random, number: int) -> dict:
    category = rng.choice(list(CATEGORIES))
    kinds, materials, sizing = CATEGORIES[category]
    kind = rng.choice(kinds)
    title = f"{rng.choice(NAMES)} {rng.randint(2, 90)} {kind}"
    brand = rng.choice(BRANDS)
    sku = f"{category[:2].upper()}-{number:07d}"
    colours = rng.sample(COLOURS, rng.randint(1, 3))
    sizes = SIZES[sizing]
    variants = [
        {"sku": f"{sku}-{c[:3].upper()}" + (f"-{s}" if s else ""), "color": c, "stock": rng.choice([0, 0, 1, 3, 8, 15, 40]),
         **({"size": s} if s else {})}
        for c in colours for s in sizes
    ]
    features = rng.sample(FEATURES, 2)
    attributes = {
        "material": rng.choice(materials),
        "waterproof": rng.choice(["yes", "no"]),
        "weight": f"{rng.randint(60, 2500)} g",
        "warranty": WARRANTY.get(category, "2 years"),
    }
    return {
        "sku": sku, "title": title, "brand": brand, "category": category,
        "price": round(rng.uniform(8, 450), 0) - 0.01 if rng.random() < 0.5 else float(rng.randint(8, 450)),
        "currency": "USD",
        "description": f"The {title} from {brand} is built for {rng.choice(USES)}, with {features[0]} and {features[1]}.",
        "url": f"https://trailhead-outfitters.example/products/{sku.lower()}",
        "attributes": attributes,
        "variants": variants,
    }


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [product(rng, i) for i in range(count)]


def write_jsonl(products: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for item in products:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def change_products(products: list[dict], fraction: float, seed: int) -> list[dict]:
    """A copy with ``fraction`` of the products repriced and reworded, so each needs a new vector."""
    rng = random.Random(seed)
    changed = [dict(p) for p in products]
    for index in rng.sample(range(len(changed)), max(1, int(len(changed) * fraction))):
        product = changed[index]
        product["price"] = round(product["price"] * 0.9, 2)
        product["description"] += f" Updated for season {seed + 1} with {rng.choice(FEATURES)}."
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_jsonl(generate(args.products, args.seed), args.out)
    print(f"wrote {args.products} products to {args.out}")


if __name__ == "__main__":
    main()
