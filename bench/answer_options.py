"""Command-line options that pick the answerer a benchmark runs: its fitted parameters and
whether it reads a small collection whole (to compare against a fit made without that)."""

from __future__ import annotations

import argparse
from pathlib import Path

from index.answer import AnswerSettings
from index.answer.fitted import FITTED


def add_answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fitted",
        type=Path,
        default=FITTED,
        help="the answerer's parameters (answerer.json), e.g. one fitted with --no-whole",
    )
    parser.add_argument(
        "--no-whole",
        action="store_true",
        help="never read a small collection whole (AnswerSettings(read_whole=False))",
    )


def answer_settings(args: argparse.Namespace, rerank: bool = True) -> AnswerSettings:
    return AnswerSettings(rerank=rerank, fitted=args.fitted, read_whole=not args.no_whole)
