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


# Titles and texts are drawn per domain, as coordinators write them: each domain has its own
# actions and words, shared with a general vocabulary; words are drawn with Zipf's law (a few
# frequent, most rare), as in real texts. A few dozen words drawn uniformly would put every word
# in every mission, which no real catalog does (and which would inflate its search index).
def _words(text: str) -> list[str]:
    return text.split()


TITLES = {
    "aide-alimentaire-urgence": [
        ("distribue", "des colis alimentaires"),
        ("prépare", "des repas chauds"),
        ("trie", "des dons de denrées"),
        ("livre", "des paniers solidaires"),
        ("accueille", "les familles à l'épicerie sociale"),
        ("collecte", "des produits d'hygiène"),
    ],
    "garde-exceptionnelle-enfants": [
        ("garde", "les enfants des soignants"),
        ("aide", "aux devoirs à distance"),
        ("anime", "des ateliers pour enfants"),
        ("accompagne", "les enfants à l'école"),
        ("organise", "des jeux en plein air"),
    ],
    "lien-personnes-fragiles-isolees": [
        ("appelle", "des personnes isolées"),
        ("écris", "des lettres aux résidents"),
        ("rends visite", "à des personnes âgées"),
        ("tiens", "une permanence téléphonique"),
        ("accompagne", "des personnes en situation de handicap"),
    ],
    "solidarite-de-proximite": [
        ("fais", "les courses de voisins âgés"),
        ("livre", "des médicaments à domicile"),
        ("couds", "des masques en tissu"),
        ("aide", "des voisins à déménager"),
        ("jardine", "avec les habitants"),
        ("répare", "des vélos pour le quartier"),
    ],
}
DOMAIN_WORDS = {
    "aide-alimentaire-urgence": _words("""colis denrées épicerie banque alimentaire distribution collecte tri stock conserves
        légumes fruits pain lait farine cartons palettes entrepôt camion chambre froide dates péremption repas cuisine
        maraude sans-abri soupe couvertures bons d'achat familles précaires restos glanage invendus supermarché
        réfrigérateur étiquetage inventaire"""),
    "garde-exceptionnelle-enfants": _words("""enfants soignants garde crèche école devoirs goûter jeux coloriage lecture
        contes sieste cantine cour récréation parents hôpital infirmières médecins aides-soignants horaires décalés
        maternelle primaire collège cahiers cartables pédagogie animateur BAFA activités manuelles peinture musique
        sport ballon"""),
    "lien-personnes-fragiles-isolees": _words("""appel téléphone écoute solitude personnes âgées résidents EHPAD
        nouvelles conversation lettres cartes postales visite compagnie souvenirs photos tablette visio famille
        handicap fragilité santé moral confiance habitudes promenade lecture journaux mots croisés patience
        bienveillance régularité"""),
    "solidarite-de-proximite": _words("""voisins quartier immeuble courses pharmacie médicaments ordonnance boîte aux
        lettres palier entraide bricolage jardin potager plantes arrosage déménagement cartons vélo réparation
        couture masques tissu machine à coudre élastiques ascenseur escaliers gardien commerce boulangerie marché
        covoiturage"""),
}
COMMON_WORDS = _words("""bénévole mission équipe structure association mairie commune semaine matin après-midi soir
    lundi mardi mercredi jeudi vendredi samedi dimanche heure heures créneau planning responsable coordinateur
    accueil consignes sécurité gestes barrières masque gel distance hygiène gants protection formation
    présentation rendez-vous adresse local salle entrée parking transport bus voiture accessible calme
    sourire motivation disponibilité ponctualité régulier ponctuel besoin aide soutien solidarité entraide
    partage lien confiance respect discrétion autonomie expérience débutant bienvenu accompagnement binôme
    tâches rôle missions public personnes habitants jeunes adultes retraités étudiants salariés proximité
    centre ville village territoire département réseau partenaires bénévolat engagement citoyen réserve
    civique urgence crise sanitaire confinement période durée ponctuelle chaque jour minimum maximum
    possible souhaité nécessaire indispensable utile merci contact téléphone courriel inscription candidature
    réponse rapide simple concret""")


def _zipf(words: list[str]) -> tuple[list[str], list[float]]:
    """The words with the cumulative weights of Zipf's law (the n-th word's weight is 1/n)."""
    total, cumulative = 0.0, []
    for rank in range(len(words)):
        total += 1 / (rank + 1)
        cumulative.append(total)
    return words, cumulative


_VOCABULARIES = {domain: _zipf(words) for domain, words in DOMAIN_WORDS.items()}
_COMMON = _zipf(COMMON_WORDS)


def paragraph(rng: random.Random, n: int, domain: str | None = None) -> str:
    """``n`` words: the domain's own words one time in three, the general vocabulary otherwise (Zipf's law)."""
    specific = _VOCABULARIES.get(domain, _COMMON)
    words = []
    for _ in range(n):
        population, cumulative = specific if rng.random() < 0.33 else _COMMON
        words.append(rng.choices(population, cum_weights=cumulative)[0])
    return (" ".join(words)).capitalize() + "."


def siret(rng: random.Random) -> str:
    from catalog.geo import is_valid_siret

    while True:
        candidate = "".join(str(rng.randint(0, 9)) for _ in range(14))
        if is_valid_siret(candidate):
            return candidate


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
        domain = DOMAINS[m % 4]
        verb, thing = rng.choice(TITLES[domain])
        title = f"Je {verb} {thing} à {town}"
        description = "\n\n".join(
            [
                paragraph(rng, 40, domain),
                "Vos tâches :",
                "\n".join(f"- {paragraph(rng, 8, domain)}" for _ in range(3)),
                paragraph(rng, 30, domain),
            ]
        )
        lines = [
            f'title: "{title}"',
            f"domain: {domain}",
            f"structure: structure-{rng.randrange(structures):04d}",
            f'summary: "{paragraph(rng, 18, domain)}"',
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
                f"Title: {title}\nDate: {start}\nCategory: {domain}\nTags: {town}\nSlug: mission-{m:05d}\n"
                f"Summary: {paragraph(rng, 18, domain)}\n\n{description}\n",
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
