"""Pelican settings for the réserve civique catalog (development and default build)."""

import os

from jinja2 import StrictUndefined

SITENAME = "Je veux aider"
SITESUBTITLE = "Les missions de la réserve civique : aide alimentaire, garde d'enfants, lien avec les personnes isolées, solidarité de proximité."
# Absolute address of the site, used in feeds, open data, QR codes and Open Graph.
# Links inside pages are root-relative, so the site must be served at a domain's root.
SITEURL = os.environ.get("SITEURL", "http://127.0.0.1:8000")
RELATIVE_URLS = False
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
LOCALE = ("C.UTF-8",)  # dates are formatted by Babel, never by the system locale

PATH = "content"
THEME = "theme"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = ["articles"]  # no articles: missions come from the plugin
STATIC_PATHS = []
IGNORE_FILES = [".#*", "ressources"]  # no "*.yaml": the watching build (make run) must see them change
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {}
for _kind in ("ARTICLE", "ARTICLE_LANG", "DRAFT", "DRAFT_LANG", "PAGE_LANG", "DRAFT_PAGE", "DRAFT_PAGE_LANG",
              "CATEGORY", "TAG", "AUTHOR", "YEAR_ARCHIVE", "MONTH_ARCHIVE", "DAY_ARCHIVE"):  # fmt: skip
    globals()[f"{_kind}_SAVE_AS"] = ""
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = TRANSLATION_FEED_RSS = None
TAG_FEED_ATOM = TAG_FEED_RSS = None

# Strict templates: an undefined variable fails the build instead of rendering empty.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "undefined": StrictUndefined,
    "autoescape": True,  # content text is escaped; only sanitised HTML is marked safe
}
OUTPUT_RETENTION = []
DELETE_OUTPUT_DIRECTORY = False  # `invoke build` passes --delete-output-directory
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["reserve_civique", "pelican.plugins.sitemap"]
# No "exclude" patterns: the plugin announces the pages to leave out (thanks pages, 404, closed
# and past missions) as hidden, and two patterns tried on each of 12,500 URLs were half the
# sitemap's time.
SITEMAP = {"format": "xml"}

RESERVE_CIVIQUE = {
    "content_dir": "content",
    # Missions ended before this date are shown as past. None: today.
    "today": os.environ.get("RESERVE_CIVIQUE_TODAY") or None,
    "per_page": 20,
}
