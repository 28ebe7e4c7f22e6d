"""When the reranker runs its int8 products in ONNX Runtime's exact mode (index.answer.cpu)."""

from __future__ import annotations

import numpy as np
import pytest

from index.answer.answerer import MODEL
from index.answer.cpu import needs_precise, precise_int8
from index.answer.reranker import Reranker


def cpuinfo(*flags: str) -> str:
    """Two processors' worth of /proc/cpuinfo with these flags."""
    block = f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 {' '.join(flags)}\n"
    return block + "\n" + block.replace(": 0", ": 1")


def test_x86_without_vnni_needs_the_exact_mode() -> None:
    assert needs_precise("x86_64", cpuinfo("avx", "avx2", "fma"))


def test_x86_with_avx512_vnni_does_not() -> None:
    assert not needs_precise("x86_64", cpuinfo("avx2", "avx512f", "avx512_vnni"))


def test_x86_with_avx_vnni_does_not() -> None:
    assert not needs_precise("AMD64", cpuinfo("avx2", "avx_vnni"))


def test_x86_whose_flags_cannot_be_read_is_taken_to_need_it() -> None:
    assert needs_precise("AMD64", None)


def test_a_vnni_word_in_the_model_name_is_not_a_flag() -> None:
    info = cpuinfo("avx2").replace("Some CPU", "Some avx512_vnni CPU")
    assert needs_precise("x86_64", info)


def test_arm_never_needs_it() -> None:
    assert not needs_precise("aarch64", None)
    assert not needs_precise("arm64", cpuinfo())


def test_the_exact_mode_loads_and_scores_the_shipped_model() -> None:
    reranker = Reranker.load(MODEL, precise=True)
    got = reranker.scores("who runs the bakery?", ["Its chief executive is Ana Ruiz."])
    assert got.shape == (1,) and np.isfinite(got).all()


@pytest.mark.skipif(precise_int8(), reason="this CPU's fast int8 products saturate")
def test_on_a_cpu_with_vnni_both_modes_give_the_same_logits() -> None:
    question = "when does the ferry service start?"
    sentences = [
        "The service starts next spring, the council said.",
        "A single ticket will cost four euros.",
        "The vessel will seat 140 people and carry bicycles.",
    ]
    fast = Reranker.load(MODEL, precise=False).scores(question, sentences)
    exact = Reranker.load(MODEL, precise=True).scores(question, sentences)
    np.testing.assert_allclose(fast, exact, atol=1e-4)
