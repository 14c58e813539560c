"""Project tasks (invoke). The Makefile bootstraps .venv and calls these.

invoke check          validate the content (every problem, file:line)
invoke build          build the static site into output/
invoke run            build, then serve site + form handler + mail catcher on :8000
invoke test           lint, then the whole test suite
invoke new-mission    scaffold content/missions/<id>.yaml
invoke dsfr           refresh the vendored DSFR (theme/static/dsfr/, theme/brand/) from npm
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).parent
PY = sys.executable


@task
def check(c, content="content", strict=False):
    """Validate all content; non-zero exit on any error."""
    c.run(f"{PY} -m catalog.check {content}" + (" --strict" if strict else ""), pty=False)


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
    """Build the site, then serve it with the form handler and a local mail catcher."""
    build(c)
    # the server takes this process's place: Ctrl-C reaches it (and its watching build) directly,
    # rather than through invoke, which then tried to forward it to a pipe already closed
    os.execv(PY, [PY, "-m", "devtools.server", "--port", str(port)])


@task
def reliability(c, posts=1000, seconds=60):
    """Full-size fault tests (1,000 posts) and the 60 s load test; results go in docs/reliability.md by hand."""
    c.run(f"RELIABILITY_POSTS={posts} {PY} -m pytest -q tests/test_reliability.py", pty=False)
    c.run(f"{PY} bench/load.py --seconds {seconds}", pty=False)


@task
def benchmark(c, missions=10000):
    """The build and handler benchmarks (docs/benchmarks.md)."""
    c.run(f"{PY} bench/build.py --missions {missions}", pty=False)
    c.run(f"{PY} bench/handler.py", pty=False)


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
