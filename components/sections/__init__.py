"""Sections: every view of the cockpit, defined once (see base.py for what a section is).

``SECTIONS`` is the registry, in pack order: id -> section. Pages lay their sections out,
the briefing pack and the ``report`` command list them, digests will too; a number shown in any
of them is computed by the section's own code. ``PACK_DEFAULT`` is what a pack holds when no
sections are chosen.

Adding a section: subclass ``Section`` in the topic's module (load → prepare → takeaway, and a
figure and/or table; ``in_pack = True`` to put it on the default pack), add its title and
takeaway to both catalogues, and lay it out on its page with ``components.ui.sections.show``.
A class that sets ``id`` registers itself, in definition order (its module's place below, then
its place in the module). tests/components/test_sections.py checks every registered section has
both titles and a takeaway.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from components.context import Context
from components.sections.base import REGISTERED, Section, View

if TYPE_CHECKING:
    from data_access.reader import Reader

# The topic modules in pack order; within one, its sections in the order they are defined.
TOPICS = ("overview", "coverage", "agreements", "investment", "funnels")
for _topic in TOPICS:
    importlib.import_module(f"components.sections.{_topic}")  # defining a section registers it
_ordered = sorted(REGISTERED, key=lambda cls: (TOPICS.index(cls.__module__.rsplit(".", 1)[-1]), REGISTERED.index(cls)))
SECTIONS: dict[str, Section] = {s.key: s for cls in _ordered for s in cls.registered_variants()}
PACK_DEFAULT: tuple[str, ...] = tuple(s.key for s in SECTIONS.values() if s.in_pack and s.option == s.options[0])


def unknown_sections(ids: Sequence[str]) -> list[str]:
    """The ids that are not registered sections."""
    return [s for s in ids if s not in SECTIONS]


def build_views(db: Reader, ctx: Context, ids: Sequence[str]) -> list[View]:
    """The views of ``ids`` in registry order; unknown ids raise ValueError naming the valid ones."""
    unknown = unknown_sections(ids)
    if unknown:
        raise ValueError(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    return [SECTIONS[s].view(db, ctx) for s in SECTIONS if s in ids]


__all__ = ["PACK_DEFAULT", "SECTIONS", "Section", "View", "build_views", "unknown_sections"]
