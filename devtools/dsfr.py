"""The Système de Design de l'État (DSFR), vendored into the theme: the parts the site uses, pinned.

``python3 -m devtools.dsfr refresh`` (``invoke dsfr``) takes ``@gouvfr/dsfr`` from the npm
registry (``npm pack``: no install script runs), checks the tarball against the pinned SHA-256
and rewrites, from its ``dist/`` folder:

- ``theme/static/dsfr/dsfr.min.css``: the core and the components every page may use, in the
  DSFR's own order, with their icons' addresses made relative to it; without the ``@font-face``
  rules, which belong to the État identity, and with the text's font a variable, ``--rc-font``:
  the system's fonts unless the État identity's stylesheet names the Marianne;
- ``theme/static/dsfr/table.min.css``: the table component, for the statistics page only;
- ``theme/static/dsfr/icons/``: the icons those stylesheets name, and nothing else;
- ``theme/static/dsfr/LICENSE.md``: the licence (Etalab 2.0, use restricted to the State);
- ``theme/brand/dsfr/``: what only the État identity ships (``IDENTITY = "etat"``): the Marianne
  bloc-marque (the logo component), the Marianne fonts the site uses (woff2) with their
  ``@font-face`` rules, and the favicon;
- ``theme/dsfr.json``: the version, the tarball's SHA-256, and each vendored file's size and
  SHA-256 (``tests/site/test_dsfr_vendored.py`` checks the files against it).

The site's own needs (colours, spacing) come from the core's variables; what the DSFR does not
do is in ``theme/static/css/site.css``. Nothing here runs at build time: `make run` needs no npm.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.15.3"
SHA256 = "8392703b628ccc29b4048df9fe23fe43fd851c3d40722f1056cb5f674aad3be3"  # gouvfr-dsfr-1.15.3.tgz
PACKAGE = "@gouvfr/dsfr"

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "theme"
STATIC = THEME / "static" / "dsfr"  # published as /theme/dsfr/ by both identities
BRAND = THEME / "brand" / "dsfr"  # published as /theme/dsfr/ by the État identity only
MANIFEST = THEME / "dsfr.json"

# The components of dsfr.min.css, in the order of the DSFR's own dsfr.css (later ones build on
# earlier ones). The modal is the header's menu on a phone, opened without JavaScript (site.css).
COMPONENTS = (
    "button", "breadcrumb", "form", "link", "pagination", "tag", "badge", "alert", "card", "checkbox",
    "input", "skiplink", "select", "modal", "navigation", "footer", "search", "header",
)  # fmt: skip
PAGE_COMPONENTS = ("table",)  # one file each, linked by the pages that use them
BRAND_COMPONENTS = ("logo",)  # the bloc-marque « République française » with the Marianne
# The Marianne faces the site's text uses (the DSFR's 500 weight falls back on the regular one,
# its light and italic faces are not used), and the favicon.
FONTS = ("Marianne-Regular", "Marianne-Bold")
FAVICON = "favicon/favicon.svg"
MARIANNE = "Marianne,arial,sans-serif"  # the core's font for the text and the form fields
SYSTEM = 'system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif'

_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(work: Path) -> Path:
    """The pinned tarball, fetched with ``npm pack`` and checked."""
    subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    tarball = work / f"gouvfr-dsfr-{VERSION}.tgz"
    found = _sha256(tarball.read_bytes())
    if found != SHA256:
        raise SystemExit(f"{PACKAGE} {VERSION}: SHA-256 {found}, attendu {SHA256}")
    return tarball


def _stylesheet(dist: Path, relpath: str) -> tuple[str, set[str]]:
    """One of the DSFR's minified stylesheets (``core/core.main.min.css``), its comments removed
    and its addresses made relative to ``dist/``; with the dist files it names."""
    css = _COMMENT.sub("", (dist / relpath).read_text(encoding="utf-8")).replace('@charset "UTF-8";', "")
    named = set()

    def rebase(match: re.Match) -> str:
        quote, url = match.groups()
        if url.startswith("data:"):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(relpath), url))
        named.add(target)
        return f"url({quote}{target}{quote})"

    return _URL.sub(rebase, css).strip(), named


def _header(parts: str) -> str:
    return (
        f"/*! DSFR v{VERSION} ({parts}) | SPDX-License-Identifier: Etalab-2.0 | License-Filename: LICENSE.md"
        " | restricted use (see terms and conditions) */\n"
    )


def _font_faces(core: str) -> tuple[str, str]:
    """The core without its ``@font-face`` rules, and the rules of the faces shipped (woff2 only)."""
    kept = []
    for rule in _FONT_FACE.findall(core):
        font = next((f for f in FONTS if f"fonts/{f}.woff2" in rule), None)
        if font is not None:
            kept.append(re.sub(r"src:[^;}]*", f'src:url(fonts/{font}.woff2) format("woff2")', rule))
    return _FONT_FACE.sub("", core), "".join(kept)


def vendor(dist: Path) -> dict:
    """Write the vendored files from an unpacked ``dist/`` folder; return the manifest."""
    for folder in (STATIC, BRAND):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    core, icons = _stylesheet(dist, "core/core.main.min.css")
    core, faces = _font_faces(core)
    if MARIANNE not in core:
        raise SystemExit(f"{PACKAGE}: la police du texte n'est plus « {MARIANNE} » : revoir devtools/dsfr.py")
    core = core.replace(f"font-family:{MARIANNE}", f"font-family:var(--rc-font,{SYSTEM})")
    faces += f":root{{--rc-font:{MARIANNE}}}"
    icons = {name for name in icons if not name.startswith("fonts/")}  # the faces are handled above
    pieces = [core]
    for name in COMPONENTS:
        css, named = _stylesheet(dist, f"component/{name}/{name}.main.min.css")
        pieces.append(css)
        icons |= named
    files = {STATIC / "dsfr.min.css": _header("core, " + ", ".join(COMPONENTS)) + "\n".join(pieces) + "\n"}
    for name in PAGE_COMPONENTS:
        css, named = _stylesheet(dist, f"component/{name}/{name}.main.min.css")
        icons |= named
        files[STATIC / f"{name}.min.css"] = _header(name) + css + "\n"
    brand = []
    for name in BRAND_COMPONENTS:
        css, named = _stylesheet(dist, f"component/{name}/{name}.main.min.css")
        icons |= named
        brand.append(css)
    files[BRAND / "marianne.min.css"] = (
        _header(", ".join(BRAND_COMPONENTS) + ", Marianne") + faces + "\n".join(brand) + "\n"
    )
    for icon in sorted(icons):
        if not icon.startswith("icons/"):
            raise SystemExit(f"{PACKAGE}: adresse inattendue dans une feuille de style : {icon}")
        files[STATIC / icon] = (dist / icon).read_bytes()
    for font in FONTS:
        files[BRAND / "fonts" / f"{font}.woff2"] = (dist / "fonts" / f"{font}.woff2").read_bytes()
    files[BRAND / "favicon.svg"] = (dist / FAVICON).read_bytes()
    files[STATIC / "LICENSE.md"] = (dist.parent / "LICENSE.md").read_bytes()
    manifest = {"package": PACKAGE, "version": VERSION, "sha256": SHA256, "files": {}}
    for path, data in sorted(files.items()):
        data = data.encode() if isinstance(data, str) else data
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        manifest["files"][path.relative_to(THEME).as_posix()] = {"bytes": len(data), "sha256": _sha256(data)}
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def refresh() -> dict:
    """Fetch the pinned package and vendor its parts (see the module's docstring)."""
    if shutil.which("npm") is None:
        raise SystemExit("npm absent : il ne sert qu'à rafraîchir le DSFR (apt-get install npm)")
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(_download(Path(work))) as archive:
            archive.extractall(work, filter="data")
        return vendor(Path(work) / "package" / "dist")


def main(argv: list[str]) -> int:
    if argv[:1] == ["refresh"]:
        manifest = refresh()
        total = sum(f["bytes"] for f in manifest["files"].values())
        print(f"{PACKAGE} {VERSION} : {len(manifest['files'])} fichiers, {total} octets, dans theme/")
        return 0
    print("usage: python3 -m devtools.dsfr refresh", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
