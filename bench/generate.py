"""Generate synthetic but realistic content: N missions over M structures.

    python bench/generate.py OUTPUT_DIR --missions 10000 --structures 500 [--markdown DIR]

Missions are spread over the four domains, 40 towns in several departments,
with 20 % remote, 3 % closed and 5 % past; descriptions are a few paragraphs of
Markdown. With ``--markdown DIR`` the same texts are also written as plain
Pelican Markdown articles, to time stock Pelican on the same volume.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOWNS = [
    ("Laon", "02000", "02"), ("Saint-Quentin", "02100", "02"), ("Soissons", "02200", "02"), ("Chauny", "02300", "02"),
    ("Château-Thierry", "02400", "02"), ("Hirson", "02500", "02"), ("Guise", "02120", "02"), ("Tergnier", "02700", "02"),
    ("Amiens", "80000", "80"), ("Abbeville", "80100", "80"), ("Péronne", "80200", "80"), ("Albert", "80300", "80"),
    ("Beauvais", "60000", "60"), ("Compiègne", "60200", "60"), ("Creil", "60100", "60"), ("Senlis", "60300", "60"),
    ("Lille", "59000", "59"), ("Roubaix", "59100", "59"), ("Tourcoing", "59200", "59"), ("Valenciennes", "59300", "59"),
    ("Arras", "62000", "62"), ("Lens", "62300", "62"), ("Calais", "62100", "62"), ("Boulogne-sur-Mer", "62200", "62"),
    ("Reims", "51100", "51"), ("Épernay", "51200", "51"), ("Châlons-en-Champagne", "51000", "51"), ("Vitry-le-François", "51300", "51"),
    ("Charleville-Mézières", "08000", "08"), ("Sedan", "08200", "08"), ("Rethel", "08300", "08"), ("Vouziers", "08400", "08"),
    ("Ajaccio", "20000", "2A"), ("Porto-Vecchio", "20137", "2A"), ("Bastia", "20200", "2B"), ("Corte", "20250", "2B"),
    ("Saint-Denis", "97400", "974"), ("Saint-Pierre", "97410", "974"), ("Paris", "75011", "75"), ("Paris", "75018", "75"),
]  # fmt: skip
DOMAINS = [
    "aide-alimentaire-urgence",
    "garde-exceptionnelle-enfants",
    "lien-personnes-fragiles-isolees",
    "solidarite-de-proximite",
]
TYPES = ["association", "etablissement-scolaire", "etablissement-public-sante", "collectivite-territoriale",
         "autre-structure-publique", "etablissement-prive-sante-interet-collectif", "entreprise-esus"]  # fmt: skip
VERBS = [
    "distribue",
    "prépare",
    "livre",
    "trie",
    "accueille",
    "appelle",
    "accompagne",
    "garde",
    "aide",
    "anime",
    "soutiens",
    "organise",
]
OBJECTS = ["des colis alimentaires", "des repas chauds", "les courses de voisins âgés", "les enfants des soignants",
           "des personnes isolées", "des familles en difficulté", "des dons de vêtements", "une permanence téléphonique",
           "des masques en tissu", "des devoirs à distance", "des médicaments à domicile", "des lettres aux résidents"]  # fmt: skip
WORDS = [
    "bénévole",
    "mission",
    "solidarité",
    "quartier",
    "famille",
    "enfant",
    "voisin",
    "colis",
    "repas",
    "téléphone",
    "distribution",
    "accueil",
    "écoute",
    "hygiène",
    "distance",
    "masque",
    "semaine",
    "matin",
    "soir",
    "équipe",
    "structure",
    "commune",
    "lien",
    "entraide",
    "soutien",
]


def siret(rng: random.Random) -> str:
    from catalog.geo import is_valid_siret

    while True:
        candidate = "".join(str(rng.randint(0, 9)) for _ in range(14))
        if is_valid_siret(candidate):
            return candidate


def paragraph(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return (" ".join(words)).capitalize() + "."


def generate(out: Path, missions: int, structures: int, markdown: Path | None = None, seed: int = 42) -> None:
    """Write domains, structures and missions under ``out`` (a content folder)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "missions").mkdir(parents=True)
    (out / "structures").mkdir()
    shutil.copy(ROOT / "content" / "domains.yaml", out / "domains.yaml")
    if markdown:
        if markdown.exists():
            shutil.rmtree(markdown)
        markdown.mkdir(parents=True)
    for s in range(structures):
        town, postal, _ = TOWNS[s % len(TOWNS)]
        (out / "structures" / f"structure-{s:04d}.yaml").write_text(
            f'name: "Structure solidaire n° {s}"\ntype: {TYPES[s % len(TYPES)]}\n'
            f'description: "{paragraph(rng, 25)}"\ncity: "{town}"\npostal_code: "{postal}"\n'
            f'siret: "{siret(rng)}"\ncontact:\n  name: "Contact {s}"\n  email: contact-{s}@example.org\n',
            encoding="utf-8",
        )
    start0 = dt.date(2026, 12, 1)
    for m in range(missions):
        town, postal, dept = TOWNS[rng.randrange(len(TOWNS))]
        remote = rng.random() < 0.2
        start = start0 + dt.timedelta(days=rng.randrange(90))
        end = start + dt.timedelta(days=rng.randrange(7, 180))
        past = rng.random() < 0.05
        if past:
            start, end = dt.date(2026, 9, 1), dt.date(2026, 10, 15)
        title = f"Je {rng.choice(VERBS)} {rng.choice(OBJECTS)} à {town}"
        description = "\n\n".join(
            [
                paragraph(rng, 40),
                "Vos tâches :",
                "\n".join(f"- {paragraph(rng, 8)}" for _ in range(3)),
                paragraph(rng, 30),
            ]
        )
        lines = [
            f'title: "{title}"',
            f"domain: {DOMAINS[m % 4]}",
            f"structure: structure-{rng.randrange(structures):04d}",
            f'summary: "{paragraph(rng, 18)}"',
            "description: |",
            *[("  " + line) if line else "" for line in description.split("\n")],
            f"remote: {'true' if remote else 'false'}",
        ]
        if not remote:
            lines += [
                "location:",
                f'  address: "{rng.randint(1, 99)} rue de la République"',
                f'  postal_code: "{postal}"',
                f'  city: "{town}"',
            ]
        lines += [f'department: "{dept}"', f"start: {start}", f"end: {end}", f"places: {rng.randint(1, 30)}"]
        lines += [f"published: {start - dt.timedelta(days=rng.randrange(1, 30))}"]
        if rng.random() < 0.03:
            lines.append("closed: true")
        (out / "missions" / f"mission-{m:05d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if markdown:
            (markdown / f"mission-{m:05d}.md").write_text(
                f"Title: {title}\nDate: {start}\nCategory: {DOMAINS[m % 4]}\nTags: {town}\nSlug: mission-{m:05d}\n"
                f"Summary: {paragraph(rng, 18)}\n\n{description}\n",
                encoding="utf-8",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--missions", type=int, default=10_000)
    parser.add_argument("--structures", type=int, default=500)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    generate(args.output, args.missions, args.structures, args.markdown)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main()
