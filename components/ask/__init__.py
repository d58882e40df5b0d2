"""Ask the cockpit (问驾驶舱): a typed question → what it was understood as, one sentence with the
figures, a chart and the page to go on. docs/ASK.md.

``vocabulary`` builds the words one asker may use (their provinces' partners and projects among
them); ``ask`` parses and answers. The app (components/ui/ask.py) and the ``ask`` command
(components/commands/ask.py) both call these two: one code path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from components.ask.answer import Answer, answer
from components.ask.parse import MAX_CHARS, Parse
from components.ask.parse import parse as understand
from components.ask.vocab import Vocabulary, build
from components.context import EVERYTHING, Catalogue
from data_access.scope import Scope

if TYPE_CHECKING:
    from data_access.reader import Reader


def vocabulary(db: Reader, cat: Catalogue, *, places: pd.DataFrame, synonyms: pd.DataFrame | None, allowed: Sequence[str]) -> Vocabulary:
    """The vocabulary of a viewer who may see ``allowed``: every province and place (public), the
    partners and projects of their provinces only, and the synonyms admins added."""
    names = db.get_ask_names(scope=Scope(tuple(allowed), *EVERYTHING))
    partners = names[names["kind"] == "partner"]
    projects = names[names["kind"] == "project"]
    provinces = cat.frame.rename(columns={"province_code": "code"})
    # The segmenter learns every name there is, whoever asks, so that a question is cut into the same
    # words for everyone (the same question, the same parse); the names themselves stay out of this
    # viewer's vocabulary unless they are in their provinces.
    everyone = names if set(allowed) == set(cat.provinces) else db.get_ask_names(scope=cat.everything)
    cuts = tuple(str(x) for x in (*everyone["name_zh"], *everyone["code"]) if x)
    return build(provinces=provinces, places=places, partners=partners, projects=projects, synonyms=synonyms, segmentation=cuts)


def ask(text: str, *, db: Reader, cat: Catalogue, allowed: Sequence[str], vocab: Vocabulary, lang: str, **who: Any) -> Answer:
    """Parse ``text`` (periods relative to the data date) and answer it for this viewer."""
    return answer(understand(text, vocab, cat.as_of), db=db, cat=cat, allowed=allowed, vocab=vocab, lang=lang, **who)


def reanswer(p: Parse, *, db: Reader, cat: Catalogue, allowed: Sequence[str], vocab: Vocabulary, lang: str, **who: Any) -> Answer:
    """Answer an already parsed (or chip-edited) question."""
    return answer(p, db=db, cat=cat, allowed=allowed, vocab=vocab, lang=lang, **who)


def warm() -> None:
    """Load the segmenter's dictionary (≈0.5 s once per process): the server calls it before it listens."""
    from components.ask.vocab import tokenizer

    tokenizer()


__all__ = ["MAX_CHARS", "Answer", "Parse", "Vocabulary", "ask", "reanswer", "understand", "vocabulary", "warm"]
