"""What the tests share that is not a fixture: ``from tests.helpers import build_site``.

The fixtures are in tests/fixtures/ (registered by tests/conftest.py) and in each folder's
conftest.py; the helpers they and the tests call are here, in one place to import from.
"""

from tests.helpers.constants import ARTIFACTS, DATA, ROOT, SITE, TODAY, VALID
from tests.helpers.content import problems_of
from tests.helpers.databases import INSTALL, PostgresServer, Tables, another_database, postgres_bin
from tests.helpers.site import build_site, pagefind_fragment
from tests.helpers.stack import Stack, wait_for

__all__ = [
    "ARTIFACTS",
    "DATA",
    "INSTALL",
    "ROOT",
    "SITE",
    "TODAY",
    "VALID",
    "PostgresServer",
    "Stack",
    "Tables",
    "another_database",
    "build_site",
    "pagefind_fragment",
    "postgres_bin",
    "problems_of",
    "wait_for",
]
