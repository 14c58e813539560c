"""The Nu Html Checker (vnu.jar, the W3C's validator), pinned, fetched once, run on built pages.

``python3 -m devtools.validator fetch`` takes ``vnu-jar`` from the npm registry
(``npm pack``: no install script runs), checks the jar against the pinned
SHA-256 and keeps it in ``.cache/``. :func:`check` runs it (Java 11 or newer)
on files or folders and returns its messages. `make test` fetches it when Java
and npm are there (`.ci/run` installs them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "26.9.27"
SHA256 = "22f15dd39a33bed929d2a5c0cddf5946849a647eca9272bf4d5d00bc7e7a4d47"
JAR = Path(__file__).resolve().parent.parent / ".cache" / f"vnu-{VERSION}" / "vnu.jar"
FETCH_HINT = "python3 -m devtools.validator fetch (npm et Java 11+ requis)"


def missing() -> str | None:
    """Why the checker cannot run here (in French, for a test's skip), or ``None``."""
    if shutil.which("java") is None:
        return "Java absent : apt-get install default-jre-headless"
    if not JAR.is_file():
        return f"vnu.jar absent : {FETCH_HINT}"
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fetch() -> Path:
    """The pinned vnu.jar in ``.cache/`` (downloaded with ``npm pack`` when absent or altered)."""
    if JAR.is_file() and _sha256(JAR) == SHA256:
        return JAR
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", "--silent", f"vnu-jar@{VERSION}"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        with tarfile.open(Path(work) / f"vnu-jar-{VERSION}.tgz") as archive:
            member = archive.extractfile("package/build/dist/vnu.jar")
            if member is None:
                raise SystemExit("vnu-jar: no build/dist/vnu.jar in the package")
            download = Path(work) / "vnu.jar"
            download.write_bytes(member.read())
        found = _sha256(download)
        if found != SHA256:
            raise SystemExit(f"vnu-jar {VERSION}: SHA-256 {found}, expected {SHA256}")
        JAR.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(download, JAR)
    return JAR


def check(paths: list[str | os.PathLike], *, css: bool = True, svg: bool = True) -> list[dict]:
    """The checker's errors and warnings on these HTML files or folders (their CSS and SVG too).

    Each message is vnu's JSON: ``url``, ``type`` (``error`` or ``info`` with
    ``subType: warning``), ``message``, ``lastLine``, ``extract``. Files that are
    neither HTML nor (with the flags) CSS or SVG are not messages.
    """
    command = ["java", "-Xss8m", "-jar", str(JAR), "--format", "json", "--skip-non-html"]
    command += ["--also-check-css"] * css + ["--also-check-svg"] * svg
    done = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"vnu.jar failed ({done.returncode}): {done.stderr[-2000:]}")
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "warning"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["fetch"]:
        print(fetch())
        return 0
    print("usage: python3 -m devtools.validator fetch", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
