"""Structures propose missions: the form becomes content files that pass `make check`."""

import shutil
import subprocess

import pytest
import yaml

from catalog import load_content
from formhandler.outbox import deliver_due
from tests.helpers import SITE, TODAY, build_site

PROPOSAL = {
    "structure_name": "Les Repas du Cœur de Laon",
    "structure_type": "association",
    "structure_description": "Une association de quartier qui sert des repas chauds.",
    "structure_city": "Laon",
    "structure_postal_code": "02000",
    "structure_siret": "732 829 320 00074",
    "structure_rna": "W021000777",
    "contact_name": "Paul Martin",
    "contact_email": "paul.martin@example.org",
    "contact_phone": "03 23 11 22 33",
    "title": "Je sers des repas chauds le soir à Laon",
    "domain": "aide-alimentaire-urgence",
    "summary": "Servir les repas du soir et aider à la vaisselle.",
    "description": "Vos tâches :\n\n- accueillir les personnes ;\n- servir les repas.",
    "remote": "non",
    "address": "3 rue Châtelaine",
    "postal_code": "02000",
    "city": "Laon",
    "department": "02",
    "start": "2026-12-10",
    "end": "2027-02-28",
    "schedule": "Le soir de 18 h à 21 h",
    "places": "4",
    "requirements": "Je viens au moins un soir par semaine\nJe respecte les consignes",
    "health_guidelines": "Portez une charlotte en cuisine",
}


def post(client, json=True, **changes):
    data = {**PROPOSAL, **changes}
    headers = {"Origin": SITE}
    if json:
        return client.post("/api/proposals", json=data, headers={**headers, "Accept": "application/json"})
    return client.post("/api/proposals", data=data, headers=headers)


def test_a_proposal_becomes_files_that_pass_the_check_and_render(client, rows, content_dir, tmp_path):
    response = post(client)
    assert response.status_code == 201
    stored = rows("SELECT * FROM proposals")[0]
    assert stored["mission_id"] == response.json["mission_id"] == "je-sers-des-repas-chauds-le-soir-a-laon"
    (content_dir / "missions" / f"{stored['mission_id']}.yaml").write_text(stored["mission_yaml"], encoding="utf-8")
    (content_dir / "structures" / f"{stored['structure_slug']}.yaml").write_text(
        stored["structure_yaml"], encoding="utf-8"
    )
    result = load_content(content_dir, today=TODAY)
    assert result.errors == []
    mission = result.catalog.missions[stored["mission_id"]]
    assert mission.places == 4 and mission.requirements == (
        "Je viens au moins un soir par semaine",
        "Je respecte les consignes",
    )
    structure = result.catalog.structures[stored["structure_slug"]]
    assert structure.siret == "73282932000074" and structure.contact.email == "paul.martin@example.org"
    out = build_site(content_dir, tmp_path / "out")
    page = (out / "missions" / stored["mission_id"] / "index.html").read_text(encoding="utf-8")
    assert "Je sers des repas chauds le soir à Laon" in page
    assert "paul.martin@example.org" not in page


def test_an_existing_structure_is_reused(client, rows, content_dir):
    response = post(client, structure="asso-test", structure_name="", structure_type="")
    assert response.status_code == 201
    stored = rows("SELECT * FROM proposals")[0]
    assert stored["structure_slug"] == "asso-test" and stored["structure_yaml"] is None


# The same rules as `make check` (see tests/core/test_validation.py), their messages told for the form:
# the field named in words, a capital, no content key (see tests/handler/test_proposal_messages.py).
RULES = [
    (
        {"places": "cinq"},
        "places",
        "Le nombre de bénévoles recherchés doit être un entier supérieur ou égal à 1 (reçu « cinq »)",
    ),
    (
        {"places": "0"},
        "places",
        "Le nombre de bénévoles recherchés doit être un entier supérieur ou égal à 1 (reçu « 0 »)",
    ),
    ({"title": "Je trie"}, "title", "Le titre doit être un texte de 10 à 120 caractères (reçu 7 caractères)"),
    (
        {"start": "7 décembre 2026"},
        "start",
        "La date de début doit être une date au format AAAA-MM-JJ (par ex. 2020-03-30) (reçu « 7 décembre 2026 »)",
    ),
    ({"end": "2026-12-01"}, "end", "La date de fin (2026-12-01) est antérieure à la date de début (2026-12-10)"),
    (
        {"postal_code": "60000"},
        "postal_code",
        "Code postal du lieu : le code postal 60000 est dans le département 60 (Oise), pas dans le département 02"
        " indiqué au champ « Département »",
    ),
    (
        {"domain": "aide-alimentaire"},
        "domain",
        "Domaine inconnu « aide-alimentaire » ; vouliez-vous dire « aide-alimentaire-urgence » ?",
    ),
    (
        {"address": "", "postal_code": "", "city": ""},
        "address",
        "Indiquez l'adresse du lieu : la mission se fait sur place",
    ),
    (
        {"structure_siret": "73282932000075"},
        "structure_siret",
        "Numéro SIRET invalide : la clé de contrôle ne correspond pas (reçu « 73282932000075 »)",
    ),
    (
        {"structure_rna": "021000001"},
        "structure_rna",
        "Le numéro RNA doit être un numéro RNA : W suivi de 9 chiffres (par ex. « W021000123 ») (reçu « 021000001 »)",
    ),
    (
        {"contact_email": "pas-une-adresse"},
        "contact_email",
        "Adresse e-mail invalide (reçu « pas-une-adresse »)",
    ),
    (
        {"contact_name": "\u3164\u3164"},
        "contact_name",
        "Votre nom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    (
        {"contact_name": "Paul\u00adMartin\U000e0020"},
        "contact_name",
        "Votre nom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    ({"contact_name": "-- --"}, "contact_name", "Votre nom doit contenir au moins une lettre"),
    ({"summary": ""}, "summary", "Indiquez le résumé"),
    (
        {"description": "Accueillir les personnes<br>et servir les repas."},
        "description",
        "Description : le HTML n'est pas accepté (« <br> ») : écrivez en Markdown — une ligne vide entre deux"
        " paragraphes, **gras**, *italique*, [texte du lien](https://…)",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), RULES)
def test_each_rule_answers_with_the_checks_message(client, rows, changes, field, message):
    response = post(client, **changes)
    assert response.status_code == 422
    assert response.json["errors"][field] == message
    assert rows("SELECT * FROM proposals") == []


def test_a_private_company_that_is_not_esus_is_refused_with_an_explanation(client):
    response = post(client, structure_type="entreprise-privee")
    assert response.status_code == 422
    message = response.json["errors"]["structure_type"]
    assert "une entreprise privée n'est admise que si elle est agréée entreprise solidaire d'utilité sociale" in message


def test_mails_to_the_coordinators_with_the_files_and_to_the_proposer(app, client, smtp, rows):
    post(client)
    deliver_due(app)
    to_coordinators = smtp.by_recipient("reserve-civique@example.org")[0].message
    assert to_coordinators["Reply-To"] == "Paul Martin <paul.martin@example.org>"
    stored = rows("SELECT * FROM proposals")[0]
    attachments = {part.get_filename(): part.get_content() for part in to_coordinators.iter_attachments()}
    texts = {name: (data.decode("utf-8") if isinstance(data, bytes) else data) for name, data in attachments.items()}
    assert texts[f"missions--{stored['mission_id']}.yaml"] == stored["mission_yaml"]
    assert (
        yaml.safe_load(texts[f"structures--{stored['structure_slug']}.yaml"])["contact"]["email"]
        == "paul.martin@example.org"
    )
    assert stored["id"] in to_coordinators.get_body(("plain",)).get_content()
    to_proposer = smtp.by_recipient("paul.martin@example.org")[0].message
    assert "relisent chaque proposition" in to_proposer.get_body(("plain",)).get_content()


def test_form_post_redirects_and_errors_keep_the_values(client):
    ok = post(client, json=False)
    assert ok.status_code == 303 and ok.headers["Location"] == f"{SITE}/proposer-une-mission/merci/"
    bad = post(client, json=False, places="cinq", title="Je <b>sers</b> des repas à Laon")
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Il y a un problème" in page and 'id="places-error"' in page
    assert 'value="Je &lt;b&gt;sers&lt;/b&gt; des repas à Laon"' in page


def test_honeypot(client, rows):
    assert post(client, website="http://spam").status_code == 201
    assert rows("SELECT * FROM proposals") == []


@pytest.fixture
def git_content(tmp_path, content_dir):
    """The content copy inside a git repository, as on a coordinator's machine."""
    repo = content_dir.parent
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@e.x", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_accept_makes_a_branch_with_only_the_proposals_files_from_the_default_branch(
    app, client, git_content, content_dir, runner
):
    pid = post(client).json["id"]
    _git(git_content, "checkout", "-q", "-b", "travail-en-cours")
    (content_dir / "missions" / "colis-laon.yaml").write_text("title: brouillon\n", encoding="utf-8")  # not committed
    result = runner.invoke(args=["proposals", "accept", pid])
    assert result.exit_code == 0, result.output
    branch = "proposition/je-sers-des-repas-chauds-le-soir-a-laon"
    assert f"Branche {branch} créée à partir de main" in result.output
    assert _git(git_content, "rev-parse", f"{branch}^") == _git(git_content, "rev-parse", "main")
    changed = _git(git_content, "diff", "--name-only", "main", branch).split()
    assert changed == [
        "content/missions/je-sers-des-repas-chauds-le-soir-a-laon.yaml",
        "content/structures/les-repas-du-coeur-de-laon.yaml",
    ]
    files = {p: _git(git_content, "show", f"{branch}:{p}") for p in changed}
    checked = content_dir.parent / "checked"
    _git(git_content, "worktree", "add", "-q", str(checked), branch)
    assert load_content(checked / "content", today=TODAY).errors == []
    assert "title: Je sers des repas chauds le soir à Laon" in files[changed[0]]
    assert "déjà accepted" in runner.invoke(args=["proposals", "accept", pid]).output
    assert "accepted" in runner.invoke(args=["proposals", "list", "--all"]).output


def test_accept_leaves_the_served_checkout_its_index_and_the_handler_untouched(
    app, client, git_content, content_dir, runner
):
    """The handler serves this checkout: it must never serve a mission that was not reviewed."""
    pid = post(client).json["id"]
    (content_dir / "missions" / "colis-laon.yaml").write_text(
        (content_dir / "missions" / "colis-laon.yaml").read_text(encoding="utf-8").replace("places: 6", "places: 7"),
        encoding="utf-8",
    )
    _git(git_content, "add", "content/missions/colis-laon.yaml")  # a coordinator's change, staged
    (content_dir / "brouillon.txt").write_text("non suivi", encoding="utf-8")

    def checkout():
        """What the served checkout is: its status, its index, its branch and commit, its files."""
        queries = (["status", "--porcelain"], ["diff", "--cached"], ["branch", "--show-current"], ["rev-parse", "HEAD"])
        files = sorted(p.relative_to(content_dir).as_posix() for p in content_dir.rglob("*"))
        return [_git(git_content, *args) for args in queries], files

    before = checkout()
    assert runner.invoke(args=["proposals", "accept", pid]).exit_code == 0
    after = checkout()
    assert after == before
    app.extensions["content"].reload_seconds = 0
    assert client.get("/api/missions/je-sers-des-repas-chauds-le-soir-a-laon").status_code == 404


def test_accept_can_push_and_give_the_link_to_open_the_request(app, client, git_content, runner, tmp_path):
    remote = tmp_path / "forge.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    _git(git_content, "remote", "add", "origin", str(remote))
    _git(git_content, "push", "-q", "origin", "main")
    pid = post(client).json["id"]
    result = runner.invoke(args=["proposals", "accept", pid, "--push", "origin"])
    assert result.exit_code == 0, result.output
    assert "proposition/je-sers-des-repas-chauds-le-soir-a-laon" in _git(remote, "branch", "--list")


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("git@github.com:prefecture-aisne/reserve.git", "https://github.com/prefecture-aisne/reserve/compare/main...proposition/x?expand=1"),
        ("https://github.com/prefecture-aisne/reserve", "https://github.com/prefecture-aisne/reserve/compare/main...proposition/x?expand=1"),
        ("https://gitlab.aisne.gouv.fr/coordination/reserve.git", "https://gitlab.aisne.gouv.fr/coordination/reserve/-/merge_requests/new?merge_request%5Bsource_branch%5D=proposition%2Fx&merge_request%5Btarget_branch%5D=main"),
        ("/srv/git/reserve.git", None),
    ],
)  # fmt: skip
def test_the_link_to_open_the_request_on_github_and_gitlab(url, link):
    from formhandler.branches import review_link

    assert review_link(url, "main", "proposition/x") == link


def test_reject_mails_the_reason(app, client, smtp, runner):
    pid = post(client).json["id"]
    result = runner.invoke(
        args=["proposals", "reject", pid, "--reason", "Cette mission remplacerait un emploi salarié."]
    )
    assert result.exit_code == 0, result.output
    deliver_due(app)
    rejected = [
        m.message for m in smtp.by_recipient("paul.martin@example.org") if "pas retenue" in m.message["Subject"]
    ]
    assert len(rejected) == 1
    assert "Cette mission remplacerait un emploi salarié." in rejected[0].get_body(("plain",)).get_content()


def test_show_prints_the_files(app, client, runner):
    pid = post(client).json["id"]
    output = runner.invoke(args=["proposals", "show", pid]).output
    assert "--- content/missions/je-sers-des-repas-chauds-le-soir-a-laon.yaml" in output
    assert "title: Je sers des repas chauds le soir à Laon" in output


def test_the_site_has_the_proposal_page(site):
    page = (site / "proposer-une-mission" / "index.html").read_text(encoding="utf-8")
    assert 'action="/api/proposals"' in page
    assert "Entreprise privée non agréée ESUS" in page
    assert shutil.which("git")


def test_proposals_are_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="2 per hour")
    client = app.test_client()
    codes = [post(client, title=f"Je sers des repas chauds le soir n° {n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]


def test_proposals_need_the_site_origin(client):
    response = client.post(
        "/api/proposals", json=PROPOSAL, headers={"Origin": "https://evil.example", "Accept": "application/json"}
    )
    assert response.status_code == 403


def test_per_ip_limit_on_proposals(make_app, rows):
    client = make_app(RATELIMIT_PER_IP="2 per minute").test_client()
    codes = [post(client, contact_email=f"p{n}@example.org").status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert len(rows("SELECT * FROM proposals")) == 2


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 1000 + "]" * 1000, id="array-1000-deep"),
        pytest.param('{"a":' * 1000 + "1" + "}" * 1000, id="object-1000-deep"),
        pytest.param('{"title": "Je sers', id="cut"),
    ],
)
def test_a_body_that_is_not_json_is_a_400(client, rows, body):
    # nested too deep: once a RecursionError (500); malformed: once read as no field at all (422)
    response = client.post(
        "/api/proposals",
        data=body,
        headers={"Origin": SITE, "Content-Type": "application/json", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json == {"error": "Le contenu envoyé n'est pas un JSON valide : envoyez un objet JSON en UTF-8."}
    assert rows("SELECT * FROM proposals") == []


def test_the_proposer_is_told_once_when_the_mission_is_on_the_published_site(app, client, content_dir, runner, smtp):
    pid = post(client).json["id"]
    stored = runner.invoke(args=["proposals", "show", pid]).output.split("--- content/")[1:]
    with app.app_context():
        from formhandler import db

        with db.transaction() as store:
            store.accept_proposal(pid, 0)
    assert "0 personne(s)" in runner.invoke(args=["proposals", "published"]).output  # not merged yet
    for block in stored:  # the pull request merged and published: its files are in the content
        path, text = block.split("\n", 1)
        (content_dir / path).write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    app.extensions["content"].reload_seconds = 0
    assert "1 personne(s) prévenue(s)" in runner.invoke(args=["proposals", "published"]).output
    assert "0 personne(s)" in runner.invoke(args=["proposals", "published"]).output  # told once
    deliver_due(app)
    told = [m.message for m in smtp.by_recipient("paul.martin@example.org") if "en ligne" in m.message["Subject"]]
    assert len(told) == 1
    assert f"{SITE}/missions/je-sers-des-repas-chauds-le-soir-a-laon/" in told[0].get_body(("plain",)).get_content()
    assert "published" in runner.invoke(args=["proposals", "list", "--all"]).output
