"""Fixtures of the ask tests: the vocabulary and catalogue of the app tests' database (the embedded
default's seed: the same partners and projects as `make run`, fewer learners)."""

from __future__ import annotations

import pytest

from components import ask
from components.context import read_catalogue
from data_access import config, queries, reader


@pytest.fixture(scope="session")
def ask_engine(app_sqlite_url):
    return config.make_engine(app_sqlite_url)


@pytest.fixture(scope="session")
def ask_catalogue(ask_engine):
    with ask_engine.connect() as conn:
        return read_catalogue(conn), queries.get_place_catalogue(conn)


@pytest.fixture(scope="session")
def ask_vocab(ask_engine, ask_catalogue):
    cat, places = ask_catalogue
    return ask.vocabulary(reader.direct(ask_engine), cat, places=places, synonyms=None, allowed=cat.provinces)
