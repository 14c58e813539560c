"""The tests, laid out like the code they exercise.

- ``core/``: the pure domain (``catalog/``): loading, validation, the check, the review;
- ``site/``: the Pelican builds (plugin and theme): pages, open data, search index, HTML validity;
- ``handler/``: the Flask handler (``formhandler/``) through flaskr's ``app``, ``client``, ``runner``;
- ``system/``: real processes: gunicorn, nginx, two servers, ``make run``, publication, faults;
- ``browser/``: journeys, accessibility and screenshots in Debian's Chromium.

The fixtures that several folders use are registered here from tests/fixtures/; a folder's own
are in its conftest.py. Helpers that are not fixtures: ``from tests.helpers import …``.
"""

pytest_plugins = [
    "tests.fixtures.content",
    "tests.fixtures.databases",
    "tests.fixtures.handler",
    "tests.fixtures.validator",
]
