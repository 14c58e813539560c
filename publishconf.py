"""Production build: `pelican -s publishconf.py` with SITEURL set to the public address."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITEURL", "https://jeveuxaider.example.org")
