"""docs/production.md as the system tests read and run it: its sections, their shell blocks, the
units' settings, and the guide's lines run under the systemctl and sudo shims."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.helpers.constants import ROOT

GUIDE = ROOT / "docs" / "production.md"


def section(number: int) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n## {number}. ")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def shell_blocks(text: str) -> list[list[str]]:
    """The command lines of each ```sh block."""
    return [
        [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        for block in re.findall(r"^```sh\n(.*?)^```$", text, flags=re.M | re.S)
    ]


def unit_setting(unit: Path, name: str) -> str:
    """A unit's setting as systemd reads it (``%%`` is ``%``); ``Environment=NAME=…`` by NAME."""
    text = unit.read_text(encoding="utf-8")
    if name.isupper():
        return re.search(rf"^Environment={name}=(.*)$", text, re.M).group(1)
    return re.search(rf"^{name}=(.*)$", text, re.M).group(1).replace("%%", "%")


def run_lines(
    lines: list[str], replacements: dict[str, str], shims, cwd=ROOT, env: dict | None = None
) -> list[subprocess.CompletedProcess]:
    """The guide's ``lines``, with the machine's names replaced, under the systemctl and sudo shims
    (``env``: more variables); each must succeed."""
    folder, _ = shims
    environment = {**os.environ, **(env or {})}
    environment["PATH"] = f"{folder}:{environment['PATH']}"
    results = []
    for line in lines:
        for old, new in replacements.items():
            line = line.replace(old, new)
        result = subprocess.run(["sh", "-c", line], cwd=cwd, env=environment, capture_output=True, text=True)
        assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"
        results.append(result)
    return results
