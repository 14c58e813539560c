"""Project tasks (invoke). The Makefile bootstraps .venv and calls these.

invoke check          validate the content (every problem, file:line)
invoke review         what a change does to the site, in Markdown, for its reviewers
invoke build          build the static site into output/
invoke run            build, then serve site + form handler + mail catcher on :8000
invoke test           lint, then the whole test suite
invoke new-mission    scaffold content/missions/<id>.yaml
invoke publish        (a forge's pipeline) build the production site, send it to the server, publish it there
invoke published      (on the server) the checkout to the published commit, the new site in place, then
                      the handler's post-publication commands
invoke rebuild        (on the server, each night) the git server's last commit, built and published
invoke dsfr           refresh the vendored DSFR (theme/static/dsfr/, theme/brand/) from npm
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).parent
PY = sys.executable
SERVER = "/srv/reserve-civique"  # the checkout on the server (deploy/, docs/production.md)
ARRIVED = "var/site"  # where a new site arrives on the server before it replaces output/
# The handler's commands run on the server after each publication, in the checkout, with the
# services' environment (the handler itself reads the published content every FLASK_CONTENT_RELOAD_SECONDS).
# ``alerts send`` mails the volunteers waiting for a mission the new ones (and writes the counts the
# next build shows); run again, it sends nothing new.
AFTER_PUBLICATION: list[str] = [
    f"{PY} -m flask --app formhandler proposals published",
    f"{PY} -m flask --app formhandler alerts send",
]


@task
def check(c, content="content", strict=False, format="text", output=""):
    """Validate all content; non-zero exit on any error. ``--format github|gitlab`` for the forges' pipelines."""
    options = (" --strict" if strict else "") + f" --format {format}" + (f" --output {output}" if output else "")
    c.run(f"{PY} -m catalog.check {content}{options}", pty=False)


@task
def review(c, base="main", content="content", output=""):
    """Markdown summary, for reviewers, of what the content changes since ``base`` (its merge base) do to the site."""
    c.run(
        f"{PY} -m catalog.review --base {base} --content {content}" + (f" --output {output}" if output else ""),
        pty=False,
    )


@task
def build(c, settings="pelicanconf.py", output="output", search=True):
    """Build the static site (content check included: bad content fails the build), then its search index."""
    c.run(f"{PY} -m pelican --fatal errors -s {settings} -o {output}")  # incremental: see the plugin's docs
    if search:
        index(c, output=output)


@task
def index(c, output="output"):
    """Build the Pagefind search index of the open mission pages (from nothing: old files would stay)."""
    from devtools import search_index

    search_index.build(output)


def _site_url() -> str:
    """The public address a production site is built for: SITEURL, required (publishconf.py's is an example)."""
    url = os.environ.get("SITEURL", "")
    if not url.startswith(("https://", "http://")):
        sys.exit("publication : SITEURL doit donner l'adresse publique du site (https://…), par exemple "
                 "une variable de la forge ou l'Environment= de l'unité systemd")  # fmt: skip
    return url


@task
def publish(c, to="", commit=""):
    """Build the production site (publishconf.py, SITEURL), send it to the server ``to``
    (``user@host:/srv/reserve-civique``, or a local folder) and publish it there at ``commit``."""
    _site_url()
    host, _, folder = to.rpartition(":") if ":" in to else ("", "", to)
    if not folder or not commit:
        sys.exit("publication : indiquez --to (utilisateur@serveur:/srv/reserve-civique) et --commit")
    build(c, settings="publishconf.py")
    ssh = "ssh -o BatchMode=yes"  # a pipeline answers no question: a missing key or host key fails at once
    c.run(f"rsync -rlt --chmod=D755,F644 --compress --delete --mkpath -e '{ssh}' output/ "
          + shlex.quote(f"{to}/{ARRIVED}/"))  # fmt: skip
    there = f"cd {shlex.quote(folder)} && .venv/bin/invoke published --commit {shlex.quote(commit)}"
    c.run(f"{ssh} {shlex.quote(host)} {shlex.quote(there)}" if host else there)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _fast_forward(commit: str) -> None:
    """The checkout to ``commit`` (fetched from the git server), fast-forward only: the handler then
    reads the published content. A change of code is announced: it needs the update (docs/production.md)."""
    before = _git("rev-parse", "HEAD")
    _git("merge", "--ff-only", "--quiet", commit)
    code = _git("diff", "--name-only", before, "HEAD", "--", ".", ":(exclude)content")
    if code:
        print("Le code a changé (" + ", ".join(code.splitlines()[:5]) + ") : faites la mise à jour décrite dans "
              "docs/production.md (dépendances, redémarrage des services).", file=sys.stderr)  # fmt: skip


def _older(commit: str) -> bool:
    """Whether ``commit`` is behind what the checkout already holds (a newer site was published since)."""
    target, head = _git("rev-parse", "--verify", f"{commit}^{{commit}}"), _git("rev-parse", "HEAD")
    return (
        target != head
        and subprocess.run(["git", "merge-base", "--is-ancestor", target, head], cwd=ROOT).returncode == 0
    )


@task
def published(c, commit=""):
    """On the server, once a new site has arrived in var/site: the checkout to ``commit`` (the handler's
    content), the new site in place of output/, then the handler's post-publication commands."""
    os.chdir(ROOT)
    if commit:
        _git("fetch", "--quiet", "origin")
    if commit and _older(commit):
        print(f"publication ignorée : le serveur a déjà publié un commit plus récent que {commit}")
        return
    if commit:
        _fast_forward(commit)
    # output/ is what nginx serves: each file is replaced whole, the new ones all at the end, the
    # files that are gone last (a page of the new site never links to a file not there yet)
    c.run(f"rsync -rlt --delete-delay --delay-updates {ARRIVED}/ output/")
    for command in AFTER_PUBLICATION:
        c.run(command)


def handler_exports(c) -> None:
    """The handler's exports (places taken, waiting lists: ``flask exports write``) for the build that
    follows, in FLASK_EXPORTS_DIR (the rebuild's unit points it at var/exports, where the build reads).
    Optional: without the handler's database the build goes on and shows what it shows without them."""
    result = c.run(f"{PY} -m flask --app formhandler exports write", warn=True, pty=False)
    if not result.ok:
        print("exports du formulaire non écrits : le site est construit sans (docs/production.md)", file=sys.stderr)


@task
def rebuild(c):
    """On the server, each night (deploy/reserve-civique-rebuild.timer): the last commit of the branch
    the checkout follows, built for production into var/site, then published."""
    os.chdir(ROOT)
    _site_url()
    _git("fetch", "--quiet", "origin")
    _fast_forward("@{upstream}")
    handler_exports(c)
    build(c, settings="publishconf.py", output=ARRIVED)
    published(c)


@task
def lint(c):
    """ruff: lint and formatting."""
    c.run(f"{PY} -m ruff check .")
    c.run(f"{PY} -m ruff format --check .")


@task
def format(c):
    """Apply ruff's formatting and safe fixes."""
    c.run(f"{PY} -m ruff check --fix .")
    c.run(f"{PY} -m ruff format .")


@task(pre=[lint])
def test(c, k=""):
    """Lint, then run the whole test suite (with the HTML validator when Java and npm are here)."""
    from devtools import validator

    if shutil.which("java") and shutil.which("npm") and not validator.JAR.is_file():
        try:
            validator.fetch()
        except (OSError, SystemExit, subprocess.CalledProcessError) as error:  # its tests say why they are skipped
            print(f"validateur HTML non installé : {error}", file=sys.stderr)
    c.run(f"{PY} -m pytest" + (f" -k '{k}'" if k else ""), pty=False)


@task
def run(c, port=8000):
    """Build the site, then serve it with the form handler and a local mail catcher (``--port``)."""
    # the pages name their own address (canonical links, QR codes, structured data): this port's
    os.environ.setdefault("SITEURL", f"http://127.0.0.1:{port}")
    from devtools.server import write_exports

    write_exports(port=int(port))  # the places the handler knows, for the listings and search (optional)
    build(c)
    # the server takes this process's place: Ctrl-C reaches it (and its watching build) directly,
    # rather than through invoke, which then tried to forward it to a pipe already closed
    os.execv(PY, [PY, "-m", "devtools.server", "--port", str(port)])


@task
def reliability(c, posts=1000, seconds=60):
    """Full-size fault tests (1,000 posts) and the 60 s load test; results go in docs/reliability.md by hand."""
    c.run(f"RELIABILITY_POSTS={posts} {PY} -m pytest -q tests/system/test_reliability.py", pty=False)
    c.run(f"{PY} bench/load.py --seconds {seconds}", pty=False)


@task
def benchmark(c, missions=10000):
    """The build, handler and alerts benchmarks (docs/benchmarks.md)."""
    c.run(f"{PY} bench/build.py --missions {missions}", pty=False)
    c.run(f"{PY} bench/handler.py", pty=False)
    c.run(f"{PY} bench/alerts.py", pty=False)


@task
def screenshots(c):
    """Take the README's screenshots in Chromium (browser tests) and copy them to docs/screenshots/."""
    import shutil

    c.run(f"{PY} -m pytest -q tests/browser/test_screenshots.py -p no:cacheprovider", pty=False)
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for png in sorted((ROOT / "test-artifacts" / "screenshots").glob("*.png")):
        shutil.copy(png, target / png.name)
        print(f"docs/screenshots/{png.name}")


@task
def dsfr(c):
    """Refresh the Système de Design de l'État vendored in theme/ from npm (pinned version, checked SHA-256)."""
    c.run(f"{PY} -m devtools.dsfr refresh", pty=False)


@task(name="new-mission")
def new_mission(c, id=""):
    """Create content/missions/<id>.yaml from the commented template."""
    from catalog.scaffold import ScaffoldError
    from catalog.scaffold import new_mission as scaffold

    try:
        path = scaffold(ROOT / "content", id)
    except ScaffoldError as error:
        sys.exit(f"new-mission : {error}")
    print(f"{path.relative_to(ROOT)} créé : complétez-le, puis lancez `make check`.")
