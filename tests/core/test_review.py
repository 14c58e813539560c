"""`make review BASE=<ref>`: what a change does to the site, in Markdown, for the coordinator who reviews it."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import DATA, ROOT

NEW_STRUCTURE = """\
name: L'Épicerie du coin
type: entreprise-esus
description: Une épicerie solidaire agréée ESUS.
city: Soissons
postal_code: "02200"
siret: "73282932000074"
contact:
  name: Chloé Martin
  email: contact@epicerie-du-coin.example.org
"""

NEW_MISSION = """\
title: Je livre les courses des clients âgés
domain: aide-alimentaire-urgence
structure: epicerie-du-coin
summary: Porter leurs courses aux clients qui ne peuvent plus se déplacer.
description: À pied ou à vélo, dans le centre de Soissons.
remote: false
location:
  address: 2 rue Saint-Martin
  postal_code: "02200"
  city: Soissons
department: "02"
start: 2026-12-14
end: 2027-02-28
places: 3
age_min: 16
"""


def git(repo, *args):
    identity = ["-c", "user.name=Coordination", "-c", "user.email=coordination@example.org"]
    return subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    """A plain local checkout: the test content committed on `main`, then a branch `change` checked out."""
    folder = tmp_path / "depot"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    shutil.copytree(DATA / "content", folder / "content")
    git(folder, "add", ".")
    git(folder, "commit", "-qm", "Contenu initial")
    git(folder, "checkout", "-qb", "change")
    return folder


def edit(repo, relative, old, new):
    path = repo / "content" / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def review(repo, *options, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "catalog.review", "--content", str(repo / "content"), "--today", "2026-11-29"]
    return subprocess.run([*command, *options], cwd=cwd or repo, capture_output=True, text=True, env=env, check=False)


def test_a_realistic_change_reads_right(repo):
    """One mission added (by a new ESUS company, for volunteers from 16), one closed, one with its
    places changed (past the moderation threshold); committed on the branch, or not yet."""
    (repo / "content/structures/epicerie-du-coin.yaml").write_text(NEW_STRUCTURE, encoding="utf-8")
    (repo / "content/missions/livraison-soissons.yaml").write_text(NEW_MISSION, encoding="utf-8")
    edit(repo, "missions/appels-distance.yaml", "places: 10\n", "places: 10\nclosed: true\n")
    edit(repo, "missions/colis-laon.yaml", "places: 6", "places: 80")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "Une mission de l'épicerie, les appels clos, plus de colis")
    main = git(repo, "rev-parse", "--short", "main").strip()

    result = review(repo, "--base", "main")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == f"""\
## Ce que cette modification change sur le site

Par rapport à `main` (commit `{main}`) : 1 mission ajoutée, 1 modifiée, 1 close, 0 retirée, 1 structure ajoutée.

### Missions ajoutées (1)

#### Je livre les courses des clients âgés

`content/missions/livraison-soissons.yaml`

- structure : L'Épicerie du coin (nouvelle, ci-dessous)
- domaine : Aide alimentaire et d'urgence
- dates : du lundi 14 décembre 2026 au dimanche 28 février 2027
- lieu : 2 rue Saint-Martin, 02200 Soissons, Aisne (02)
- places : 3 ; âges : 16 à 70 ans
- consignes sanitaires : 1 du domaine

Avertissements :

- ⚠️ ligne 15, age\\_min : âges de 16 à 70 ans, hors des 18 à 70 ans de la circulaire du préfet sur la réserve civique : vérifiez que la structure les a demandés et que la mission s'y prête

### Missions modifiées (1)

#### Je distribue des colis à Laon

`content/missions/colis-laon.yaml`

| champ | avant | après |
| --- | --- | --- |
| places | 6 | 80 |

Avertissements :

- ⚠️ ligne 19, places : 80 places : vérifiez ce nombre (plus de 70)

### Missions closes (1)

#### J'appelle des personnes âgées isolées

`content/missions/appels-distance.yaml`

- close : sa page reste, sans formulaire ; elle quitte les listes, la recherche et les flux

Avertissements :

- ⚠️ ligne 11, age\\_min : âges de 16 à 99 ans, hors des 18 à 70 ans de la circulaire du préfet sur la réserve civique : vérifiez que la structure les a demandés et que la mission s'y prête

### Structures ajoutées (1)

#### L'Épicerie du coin

`content/structures/epicerie-du-coin.yaml`

- type : Entreprise solidaire d'utilité sociale (ESUS)
- commune : 02200 Soissons
- numéros : SIRET 73282932000074

Avertissements :

- ⚠️ entreprise : admise seulement si elle est agréée entreprise solidaire d'utilité sociale (ESUS)

### À vérifier avant d'accepter

- [ ] « L'Épicerie du coin » : le SIRET 73282932000074 est bien le sien (https://annuaire-entreprises.data.gouv.fr/etablissement/73282932000074)
- [ ] « L'Épicerie du coin » : son agrément ESUS, délivré par la préfecture, est en cours de validité
- [ ] « L'Épicerie du coin » : son contact, qui recevra les candidatures, a confirmé son adresse e-mail
- [ ] « Je livre les courses des clients âgés » : la structure est éligible selon la circulaire, les consignes sanitaires conviennent à la mission, les âges et le nombre de places sont ceux qu'elle a demandés
"""
    )
    # The same change not yet committed reads the same: the working tree is compared.
    git(repo, "reset", "-q", "--soft", "main")
    assert review(repo, "--base", "main").stdout == result.stdout


def test_make_review_writes_the_summary_where_the_forge_shows_it(repo, tmp_path):
    edit(repo, "missions/colis-laon.yaml", "places: 6", "places: 7")
    summary = tmp_path / "step-summary.md"
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "review", "BASE=main", f"CONTENT={repo / 'content'}",
         f"OUTPUT={summary}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "| places | 6 | 7 |" in summary.read_text(encoding="utf-8")


def test_field_by_field_and_removed_missions(repo):
    edit(repo, "missions/colis-laon.yaml", "title: Je distribue des colis à Laon", "title: Je prépare des colis à Laon")
    edit(repo, "missions/colis-laon.yaml", "end: 2027-03-31", "end: 2027-04-30")
    edit(repo, "missions/colis-laon.yaml", "address: 12 rue du Bourg", "address: 3 rue *Sérurier*")
    edit(repo, "missions/colis-laon.yaml", "  - Portez les gants fournis.", "  - Portez le masque fourni.")
    edit(repo, "missions/maraude-close.yaml", "closed: true", "closed: false")
    (repo / "content/missions/garde-ajaccio.yaml").unlink()
    text = review(repo, "--base", "main").stdout
    assert "1 modifiée" not in text and "2 modifiées, 0 close, 1 retirée" in text
    assert (
        "| titre | Je distribue des colis à Laon | Je prépare des colis à Laon |\n"
        "| dates | du lundi 7 décembre 2026 au mercredi 31 mars 2027 | du lundi 7 décembre 2026 au vendredi 30 avril 2027 |\n"
        "| lieu | 12 rue du Bourg, 02000 Laon, Aisne (02) | 3 rue \\*Sérurier\\*, 02000 Laon, Aisne (02) |\n"
        "| consignes sanitaires | retiré : Portez les gants fournis. | ajouté : Portez le masque fourni. |\n"
    ) in text  # content text is shown as typed: no Markdown of its own
    assert "| close | oui | non |" in text  # reopened
    assert (
        "### Missions retirées (1)\n\n#### Je garde les enfants des soignants à Ajaccio\n\n"
        "`content/missions/garde-ajaccio.yaml`\n\n"
        "- sa page disparaît : préférez « closed: true », qui la garde sans formulaire\n"
    ) in text


def test_a_mission_in_error_is_listed_as_such_not_as_removed(repo):
    edit(repo, "missions/colis-laon.yaml", "places: 6", "places: six")
    text = review(repo, "--base", "main").stdout
    assert (
        "### ❌ Erreurs : la vérification échoue (1)\n\n- `content/missions/colis-laon.yaml`, ligne 19, places :"
        in text
    )
    assert "retirée" not in text.split("\n\n", 2)[2]


def test_no_change_and_unknown_reference(repo):
    result = review(repo, "--base", "main")
    assert result.returncode == 0
    assert "Aucun changement du contenu par rapport à `main`" in result.stdout
    unknown = review(repo, "--base", "origin/main")
    assert unknown.returncode == 2
    assert unknown.stderr == "revue : référence inconnue : origin/main (faites d'abord « git fetch » ?)\n"


def test_the_base_is_where_the_change_left_it(repo):
    """Missions added to `main` since the branch left it are not shown as removed by the change."""
    git(repo, "checkout", "-q", "main")
    (repo / "content/missions/nouvelle-sur-main.yaml").write_text(
        (repo / "content/missions/colis-laon.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "Sur main")
    git(repo, "checkout", "-q", "change")
    assert "Aucun changement" in review(repo, "--base", "main").stdout


def test_structures_changed_never_show_the_private_contact(repo):
    edit(repo, "structures/asso-test.yaml", "secret-contact@example.org", "nouveau-secret@example.org")
    (repo / "content/structures/asso-sans-numero.yaml").write_text(
        NEW_STRUCTURE.replace("entreprise-esus", "association").replace('siret: "73282932000074"\n', ""),
        encoding="utf-8",
    )
    text = review(repo, "--base", "main").stdout
    assert "secret" not in text
    assert "| contact |  | modifié (privé : non affiché) |" in text
    assert "- [ ] « Association d'essai » : le nouveau contact a confirmé son adresse e-mail" in text
    assert "- ⚠️ association sans numéro RNA ni SIRET : rien ne permet de vérifier qu'elle est déclarée" in text


def test_the_review_and_the_reports_are_pure_core():
    code = (
        "import sys, catalog.review, catalog.reports;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pelican', 'flask', 'jinja2', 'werkzeug')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
