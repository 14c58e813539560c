"""The core imports neither Pelican nor Flask (one-way layers)."""

import subprocess
import sys

from tests.helpers import ROOT


def test_catalog_imports_neither_pelican_nor_flask():
    code = (
        "import sys, catalog, catalog.check, catalog.scaffold;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pelican', 'flask', 'flask_mail', 'jinja2', 'werkzeug'));"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
