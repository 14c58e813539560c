"""`make run` rebuilds what a coordinator changes (devtools/watch.py, with the real plugin)."""

import json
import subprocess
import threading
import time

from conftest import ROOT, TODAY
from devtools import watch


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_change_is_rebuilt_and_a_broken_file_is_reported_until_fixed(tmp_path, content_dir):
    output = tmp_path / "output"
    settings = {"content_dir": str(content_dir), "today": TODAY.isoformat()}
    overrides = [f"PATH={json.dumps(str(content_dir))}", f"CACHE_PATH={json.dumps(str(tmp_path / 'cache'))}",
                 f"RESERVE_CIVIQUE={json.dumps(settings)}"]  # fmt: skip
    process = subprocess.Popen(
        watch.command(str(output), overrides=overrides), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    page = output / "missions" / "colis-laon" / "index.html"
    mission = content_dir / "missions" / "colis-laon.yaml"
    text = mission.read_text(encoding="utf-8")
    try:
        assert wait_for(lambda: page.is_file() and any("Site reconstruit" in line for line in lines)), "".join(lines)
        assert "Je distribue des colis à Laon" in page.read_text(encoding="utf-8")

        mission.write_text(text.replace("title: Je distribue", "title: [Je distribue"), encoding="utf-8")
        assert wait_for(lambda: any("colis-laon.yaml:2: syntaxe YAML invalide" in line for line in lines)), lines
        assert process.poll() is None  # still watching
        time.sleep(1)
        assert sum("La construction a échoué" in line for line in lines) == 1  # not retried before the next change

        mission.write_text(text.replace("des colis à Laon", "des paniers à Laon"), encoding="utf-8")
        assert wait_for(lambda: "Je distribue des paniers à Laon" in page.read_text(encoding="utf-8")), "".join(lines)
    finally:
        process.terminate()
        process.wait(10)
        reader.join(10)
        process.stdout.close()
