"""Every validation rule: one row per bad input, with its line and French message."""

import pytest

from catalog import load_content
from catalog.loader import load_catalog
from catalog.problems import ContentError
from tests.helpers import problems_of

M = "missions/colis-laon.yaml"
S = "structures/asso-test.yaml"
HTML_REFUSED = "le HTML n'est pas accepté ({}) : écrivez en Markdown — une ligne vide entre deux paragraphes, **gras**, *italique*, [texte du lien](https://…)"


def test_test_content_is_valid(content_dir, today):
    errors, warnings = problems_of(content_dir, today)
    assert errors == []
    assert warnings == [
        "content/missions/appels-distance.yaml:10: age_min: avertissement : âges de 16 à 99 ans, hors des 18 à 70 ans"
        " de la circulaire du préfet sur la réserve civique : vérifiez que la structure les a demandés et que la"
        " mission s'y prête",
        "content/missions/masques-passee.yaml:13: end: avertissement : la date de fin (2026-10-31) est passée :"
        " la mission n'apparaît plus dans les listes",
    ]


ERROR_ROWS = [
    # (file, old text, new text, expected problem)
    (
        M,
        "places: 6",
        "places: cinq",
        f"content/{M}:19: places: doit être un entier supérieur ou égal à 1 (reçu « cinq »)",
    ),
    (M, "places: 6", "places: 0", f"content/{M}:19: places: doit être un entier supérieur ou égal à 1 (reçu « 0 »)"),
    (
        M,
        "places: 6",
        "places: 2.5",
        f"content/{M}:19: places: doit être un entier supérieur ou égal à 1 (reçu « 2.5 »)",
    ),
    (
        M,
        "title: Je distribue des colis à Laon",
        "title: Je trie",
        f"content/{M}:1: title: doit être un texte de 10 à 120 caractères (reçu 7 caractères)",
    ),
    (M, "title: Je distribue des colis à Laon\n", "", f"content/{M}:1: title: champ obligatoire manquant"),
    (
        M,
        "summary: Préparer et remettre des colis aux familles.",
        "summary: " + "x" * 201,
        f"content/{M}:4: summary: doit être un texte non vide de 200 caractères au plus (reçu 201 caractères)",
    ),
    (
        M,
        "remote: false",
        "remote: peut-être",
        f"content/{M}:10: remote: doit valoir true ou false (reçu « peut-être »)",
    ),
    (M, "places: 6", "plaecs: 6", f"content/{M}:19: plaecs: champ inconnu ; vouliez-vous dire « places » ?"),
    (
        M,
        "places: 6",
        "places: 6\nfoo: bar",
        f"content/{M}:20: foo: champ inconnu (champs admis : access, age_max, age_min, closed,"
        " department, description, domain, end, health_guidelines, location, places, published, remote, requirements,"
        " schedule, start, structure, summary, title)",
    ),
    (
        M,
        "  city: Laon",
        "  city: Laon\n  cedex: 3",
        f"content/{M}:15: location.cedex: champ inconnu (champs admis : address, city, postal_code)",
    ),
    (M, "  city: Laon\n", "", f"content/{M}:11: location.city: champ obligatoire manquant"),
    (
        M,
        'location:\n  address: 12 rue du Bourg\n  postal_code: "02000"\n  city: Laon\n',
        "",
        f"content/{M}:10: location: champ obligatoire pour une mission sur place (remote: false)",
    ),
    (
        M,
        'postal_code: "02000"',
        "postal_code: 2000",
        f"content/{M}:13: location.postal_code: doit être un code postal à 5 chiffres, entre guillemets (par ex. « 02000 ») (reçu « 2000 »)",
    ),
    (
        M,
        'postal_code: "02000"',
        'postal_code: "60000"',
        f"content/{M}:13: location.postal_code: le code postal 60000 est dans le département 60 (Oise), pas dans le département 02 indiqué par department",
    ),
    (
        M,
        'postal_code: "02000"',
        'postal_code: "99000"',
        f"content/{M}:13: location.postal_code: code postal inconnu en France (reçu « 99000 »)",
    ),
    (
        M,
        'department: "02"',
        "department: 02",
        f"content/{M}:15: department: doit être un code de département entre guillemets, par ex. « 02 », « 2A » ou « 974 » (reçu « 2 »)",
    ),
    (
        M,
        'department: "02"',
        'department: "2C"',
        f"content/{M}:15: department: doit être un code de département entre guillemets, par ex. « 02 », « 2A » ou « 974 » (reçu « 2C »)",
    ),
    (M, 'department: "02"', 'department: "00"', f"content/{M}:15: department: département inconnu (reçu « 00 »)"),
    (
        "missions/garde-ajaccio.yaml",
        'department: "2A"',
        'department: "2B"',
        "content/missions/garde-ajaccio.yaml:9: location.postal_code: le code postal 20000 est dans le département 2A (Corse-du-Sud),"
        " pas dans le département 2B indiqué par department",
    ),
    (
        M,
        "start: 2026-12-07",
        "start: 7 décembre 2026",
        f"content/{M}:16: start: doit être une date au format AAAA-MM-JJ (par ex. 2020-03-30) (reçu « 7 décembre 2026 »)",
    ),
    (
        M,
        "start: 2026-12-07",
        "start: 2026-02-30",
        f"content/{M}:16: start: doit être une date au format AAAA-MM-JJ (par ex. 2020-03-30) (reçu « 2026-02-30 »)",
    ),
    (
        M,
        "end: 2027-03-31",
        "end: 2026-12-01",
        f"content/{M}:17: end: la date de fin (2026-12-01) est antérieure à la date de début (2026-12-07)",
    ),
    (
        M,
        "domain: aide-alimentaire-urgence",
        "domain: aide-alimentaire",
        f"content/{M}:2: domain: domaine inconnu « aide-alimentaire » ; vouliez-vous dire « aide-alimentaire-urgence » ?",
    ),
    (
        M,
        "structure: asso-test",
        "structure: asso-tset",
        f"content/{M}:3: structure: structure inconnue « asso-tset » : aucun fichier content/structures/asso-tset.yaml ;"
        " vouliez-vous dire « asso-test » ?",
    ),
    (
        M,
        "structure: asso-test",
        "structure: Asso Test",
        f"content/{M}:3: structure: doit être l'identifiant d'une structure (minuscules, chiffres et tirets) (reçu « Asso Test »)",
    ),
    (
        M,
        "places: 6",
        "places: 6\nage_min: 15",
        f"content/{M}:20: age_min: doit être un entier compris entre 16 et 99 (reçu « 15 »)",
    ),
    (
        M,
        "places: 6",
        "places: 6\nage_max: 100",
        f"content/{M}:20: age_max: doit être un entier compris entre 16 et 99 (reçu « 100 »)",
    ),
    (
        M,
        "places: 6",
        "places: 6\nage_min: 40\nage_max: 30",
        f"content/{M}:20: age_min: l'âge minimal (40) dépasse l'âge maximal (30)",
    ),
    (
        M,
        "places: 6",
        "places: 6\nage_min: 75",
        f"content/{M}:20: age_min: l'âge minimal (75) dépasse l'âge maximal (70) (valeur par défaut du domaine pour l'autre borne)",
    ),
    (
        M,
        "  - Je viens au moins une fois par semaine.",
        "  - 3",
        f"content/{M}:21: requirements[1]: doit être un texte non vide de 300 caractères au plus (reçu « 3 »)",
    ),
    (
        M,
        "requirements:\n  - Je viens au moins une fois par semaine.",
        "requirements: Je viens",
        f"content/{M}:20: requirements: doit être une liste (une ligne « - texte » par élément) (reçu « Je viens »)",
    ),
    (M, "places: 6", "places: 6\nclosed: oui", f"content/{M}:20: closed: doit valoir true ou false (reçu « oui »)"),
    (M, "places: 6", "places: 6\nplaces: 7", f"content/{M}:20: places: clé en double (déjà définie ligne 19)"),
    (M, "remote: false", "\tremote: false", f"content/{M}:10: tabulation interdite : indentez avec des espaces"),
    (M, "  city: Laon", " city: Laon", f"content/{M}:14: syntaxe YAML invalide : indentation incorrecte"),
    (
        S,
        'siret: "73282932000074"',
        'siret: "73282932000075"',
        f"content/{S}:6: siret: numéro SIRET invalide : la clé de contrôle ne correspond pas (reçu « 73282932000075 »)",
    ),
    (
        S,
        'siret: "73282932000074"',
        'siret: "7328293200"',
        f"content/{S}:6: siret: doit être un numéro SIRET de 14 chiffres, entre guillemets (reçu « 7328293200 »)",
    ),
    (
        S,
        'rna: "W021000001"',
        'rna: "021000001"',
        f"content/{S}:7: rna: doit être un numéro RNA : W suivi de 9 chiffres (par ex. « W021000123 ») (reçu « 021000001 »)",
    ),
    (
        S,
        "type: association",
        "type: entreprise-privee",
        f"content/{S}:2: type: doit être un type de structure admis par la réserve civique : association, etablissement-scolaire,"
        " etablissement-public-sante, collectivite-territoriale, autre-structure-publique,"
        " etablissement-prive-sante-interet-collectif ou entreprise-esus (une entreprise privée n'est admise que si elle est"
        " agréée entreprise solidaire d'utilité sociale) (reçu « entreprise-privee »)",
    ),
    (
        S,
        "  email: secret-contact@example.org",
        "  email: pas-une-adresse",
        f"content/{S}:10: contact.email: adresse e-mail invalide (reçu « pas-une-adresse »)",
    ),
    (S, "  email: secret-contact@example.org\n", "", f"content/{S}:8: contact.email: champ obligatoire manquant"),
    (
        S,
        "city: Laon",
        "city: Laon\nwebsite: www.example.org",
        f"content/{S}:5: website: doit être une adresse web commençant par https:// ou http:// (reçu « www.example.org »)",
    ),
    (
        S,
        'postal_code: "02000"',
        'postal_code: "00100"',
        f"content/{S}:5: postal_code: code postal inconnu en France (reçu « 00100 »)",
    ),
    (
        "domains.yaml",
        "  - slug: garde-exceptionnelle-enfants",
        "  - slug: aide-alimentaire-urgence",
        "content/domains.yaml:7: domains[2].slug: domaine « aide-alimentaire-urgence » en double",
    ),
    (
        "domains.yaml",
        "    age_min: 21",
        "    age_min: 80",
        "content/domains.yaml:10: domains[2].age_min: l'âge minimal (80) dépasse l'âge maximal (65)",
    ),
    (
        "domains.yaml",
        "    label: Aide alimentaire et d'urgence\n",
        "",
        "content/domains.yaml:2: domains[1].label: champ obligatoire manquant",
    ),
    *[  # raw HTML in a description: refused (Markdown says the same), wherever it is in the text
        (M, "  - les remettre aux familles.", new, f"content/{M}:5: description: " + HTML_REFUSED.format(tag))
        for new, tag in [
            ("  - les remettre aux <b>familles</b>.", "« <b> »"),
            ("  - les remettre aux familles.<br>", "« <br> »"),
            ("\n  <script>alert('x')</script>", "« <script> »"),
            ('\n  <iframe src="https://evil.example"></iframe>', '« <iframe src="https://evil.example"> »'),
            ("\n  <!-- à relire -->", "« <!-- à relire --> »"),
        ]
    ],
]


@pytest.mark.parametrize(("relative", "old", "new", "expected"), ERROR_ROWS)
def test_each_rule_reports_its_line_and_message(content_dir, edit, today, relative, old, new, expected):
    edit(relative, old, new)
    errors, _ = problems_of(content_dir, today)
    assert expected in errors, "\n".join(errors)


def test_every_problem_is_reported_at_once(content_dir, edit, today):
    edit(M, "places: 6", "places: cinq")
    edit(M, "start: 2026-12-07", "start: demain")
    edit(S, 'siret: "73282932000074"', 'siret: "73282932000075"')
    edit("missions/garde-ajaccio.yaml", "domain: garde-exceptionnelle-enfants", "domain: inconnu")
    errors, _ = problems_of(content_dir, today)
    assert len(errors) == 4
    with pytest.raises(ContentError) as caught:
        load_catalog(content_dir, today=today)
    assert len(caught.value.problems) == 4


def test_missing_key_points_at_the_first_line(content_dir, edit, today):
    edit(M, "places: 6\n", "")
    errors, _ = problems_of(content_dir, today)
    assert errors == [f"content/{M}:1: places: champ obligatoire manquant"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Majuscule.yaml", "content/missions/Majuscule.yaml:1: nom de fichier invalide"),
        ("accentué.yaml", "content/missions/accentué.yaml:1: nom de fichier invalide"),
        ("double--tiret.yaml", "content/missions/double--tiret.yaml:1: nom de fichier invalide"),
        ("mission.yml", "content/missions/mission.yml:1: extension « .yml » : renommez-le en .yaml"),
        ("notes.txt", "content/missions/notes.txt:1: extension « .txt » : seuls les fichiers .yaml sont lus"),
    ],
)
def test_file_names_are_ids(content_dir, today, name, expected):
    (content_dir / "missions" / name).write_text("title: x\n", encoding="utf-8")
    errors, _ = problems_of(content_dir, today)
    assert any(e.startswith(expected) for e in errors), errors


def test_empty_file(content_dir, today):
    (content_dir / "missions" / "vide.yaml").write_text("", encoding="utf-8")
    errors, _ = problems_of(content_dir, today)
    assert errors == [
        "content/missions/vide.yaml:1: le fichier doit contenir des champs « clé: valeur » (il est vide ou mal formé)"
    ]


def test_not_utf8(content_dir, today):
    (content_dir / "missions" / "latin1.yaml").write_bytes("title: Je café\n".encode("latin-1"))
    errors, _ = problems_of(content_dir, today)
    assert errors == ["content/missions/latin1.yaml:1: le fichier n'est pas encodé en UTF-8"]


def test_mission_of_an_invalid_structure_is_not_published(content_dir, edit, today):
    edit(S, "type: association", "type: sarl")
    result = load_content(content_dir, today=today)
    assert "colis-laon" not in result.catalog.missions
    assert "garde-ajaccio" in result.catalog.missions


WARNING_ROWS = [
    (
        M,
        "title: Je distribue des colis à Laon",
        "title: Distribution de colis à Laon",
        f"content/{M}:1: title: avertissement : le titre devrait commencer par « Je » ou « J' » (par ex. « Je distribue des colis alimentaires »)",
    ),
    (
        M,
        "places: 6",
        "places: 71",
        f"content/{M}:19: places: avertissement : 71 places : vérifiez ce nombre (plus de 70)",
    ),
    (M, "end: 2027-03-31", "end: 2026-12-08\nclosed: false", None),
    (
        M,
        "summary: Préparer et remettre des colis aux familles.",
        "summary: Je distribue des colis à Laon !",
        f"content/{M}:4: summary: avertissement : le résumé répète le titre : dites plutôt ce que fera le bénévole",
    ),
    (
        M,
        "requirements:\n  - Je viens au moins une fois par semaine.\n",
        "requirements:\n"
        + "".join(
            f"  - Je respecte la règle n° {i:02} de l'épicerie solidaire, affichée à l'entrée.\n" for i in range(13)
        ),
        f"content/{M}:20: requirements: avertissement : engagements et consignes sanitaires (celles du domaine "
        "comprises) trop longs pour la mission imprimée sur une page A4 (panneau d'affichage) : 1594 pour 1500 au "
        "plus (les caractères, et 40 par élément de liste) : raccourcissez-les ou regroupez-les",
    ),
    (
        M,
        "requirements:\n  - Je viens au moins une fois par semaine.\n",
        "requirements:\n"
        + "".join(
            f"  - Je respecte la règle n° {i:02} de l'épicerie solidaire, affichée à l'entrée.\n" for i in range(12)
        ),
        None,  # 1,482 of 1,500: no warning
    ),
]


@pytest.mark.parametrize(("relative", "old", "new", "expected"), WARNING_ROWS)
def test_moderation_hints_are_warnings(content_dir, edit, today, relative, old, new, expected):
    edit(relative, old, new)
    errors, warnings = problems_of(content_dir, today)
    assert errors == []
    if expected:
        assert expected in warnings
    else:
        assert len(warnings) == 2, warnings  # only the test content's own: its past mission, its 16–99 mission


@pytest.mark.parametrize("title", ["Je distribue", "J'appelle", "J’appelle"])
def test_titles_starting_with_je_are_fine(content_dir, edit, today, title):
    edit(M, "title: Je distribue des colis à Laon", f'title: "{title} des colis à Laon"')
    _, warnings = problems_of(content_dir, today)
    assert not any("titre" in w for w in warnings)


def test_the_new_mission_templates_placeholders_are_errors(content_dir, today):
    """Published as they were, a town named « À compléter » appeared in /communes/."""
    from catalog.scaffold import new_mission

    path = new_mission(content_dir, "nouvelle-mission-laon")
    errors, _ = problems_of(content_dir, today)
    placeholders = [e for e in errors if "texte du modèle à remplacer" in e and path.name in e]
    fields = {e.split(": ", 2)[1] for e in placeholders}
    assert {"title", "summary", "description", "location.address", "location.city"} <= fields
