"""Ask the cockpit, measured (issue 25: parse p95 <= 50 ms; answer on screen <= 1 s warm).

Usage: python bench/ask_bench.py [--browser] [--questions tests/ask/questions.jsonl]

1. The vocabulary of every province (the configured database, by default the embedded demo): build time.
2. Parse: every question of the set, after one warm-up pass; p50 / p95 / max per question.
3. Answer (parse + figures, a direct connection, no cache): each question twice; the first and the
   second (warm: SQLite's pages in memory) time, p50 / p95.
4. With --browser: the app (components.cli serve) in Debian's Chromium at 1,440 px; for ten
   questions, the time from Enter to the answer's sentence on screen with the script finished, each
   asked twice (cold: its figures not read yet in this process; warm: asked before).
Not part of the test suite; the numbers go in docs/ASK.md and the issue's note.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BROWSER_QUESTIONS = [
    "河南今年报名多少，比去年呢？",
    "哪个大区线索增长最快",
    "汉口学院的项目付了多少",
    "which channel converts best in Hubei this quarter",
    "湖北各市线索",
    "近三个月线上退费",
    "前5个省报名",
    "快到期的协议",
    "各方向拨付",
    "top 5 provinces by leads growth",
]
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name}: n={len(ms)} p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 0.95):.1f} ms, max {max(ms):.1f} ms")


def offline(questions: list[str]) -> None:
    from components import ask
    from components.ask.parse import parse
    from components.context import read_catalogue
    from data_access import config, queries, reader

    engine = config.make_engine(config.database_url())
    with engine.connect() as conn:
        cat = read_catalogue(conn)
        places = queries.get_place_catalogue(conn)
    db = reader.direct(engine)
    t0 = time.perf_counter()
    ask.warm()
    print(f"segmenter dictionary: {time.perf_counter() - t0:.2f} s (once per process, before the server listens)")
    t0 = time.perf_counter()
    vocab = ask.vocabulary(db, cat, places=places, synonyms=None, allowed=cat.provinces)
    print(f"vocabulary of every province: {time.perf_counter() - t0:.2f} s, {len(vocab.terms):,} terms (cached per reach in the app)")
    for q in questions:  # the segmenter learns the vocabulary's words on first use
        parse(q, vocab, cat.as_of)
    times = []
    for q in questions:
        t0 = time.perf_counter()
        parse(q, vocab, cat.as_of)
        times.append(time.perf_counter() - t0)
    report("parse", times)
    first: list[float] = []
    second: list[float] = []
    for q in questions:
        for bucket in (first, second):
            t0 = time.perf_counter()
            ask.ask(q, db=db, cat=cat, allowed=cat.provinces, vocab=vocab, lang="en" if q.isascii() else "zh")
            bucket.append(time.perf_counter() - t0)
    report("answer, first time (direct SQL, no cache)", first)
    report("answer, again", second)


def browser() -> None:
    from _server import running_app
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, running_app() as base:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = chromium.new_page(viewport={"width": 1440, "height": 900})
        page.goto(base + "/")
        page.wait_for_selector(DONE, timeout=120_000)
        for label in ("cold", "warm"):
            times = []
            for q in BROWSER_QUESTIONS:
                box = page.locator(".st-key-ask_box input")
                box.fill(q)
                t0 = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(
                    "q => { const a = document.querySelector('.st-key-ask_answer'); const app = document.querySelector("
                    "'[data-testid=stApp]'); return a && app && app.getAttribute('data-test-script-state') === 'notRunning' "
                    "&& document.querySelector('.st-key-ask_box input').value === q }",
                    arg=q,
                    timeout=120_000,
                )
                times.append(time.perf_counter() - t0)
                box.fill("")
                box.press("Enter")
                page.wait_for_selector(DONE, timeout=120_000)
            report(f"browser, Enter to answer on screen ({label})", times)
        chromium.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", action="store_true")
    ap.add_argument("--questions", type=Path, default=ROOT / "tests" / "ask" / "questions.jsonl")
    args = ap.parse_args()
    questions = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    offline(questions)
    if args.browser:
        browser()


if __name__ == "__main__":
    main()
