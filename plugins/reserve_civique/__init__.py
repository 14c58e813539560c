"""Pelican plugin: turns the YAML content into the réserve civique's catalog.

``register()`` only connects signals; the work happens in
:class:`~.generator.CatalogGenerator`, which uses the ``catalog`` core.
"""

from pelican import signals

from .filters import add_filters
from .generator import CatalogGenerator


def get_generators(pelican_object):
    """Add the catalog generator to Pelican's generators."""
    return CatalogGenerator


def register():
    """Connect the plugin to Pelican."""
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_filters)
