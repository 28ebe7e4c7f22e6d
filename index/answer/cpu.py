"""Whether this CPU needs ONNX Runtime's precise int8 mode for the reranker to score right.

The reranker's int8 graph multiplies uint8 activations by int8 weights. On an x86 CPU with
VNNI (``avx512_vnni`` or ``avx_vnni``) that product is exact. Without VNNI (AVX2 alone: many
servers before 2019, AMD before Zen 4) ONNX Runtime uses an instruction whose 16-bit sums
saturate, so the logits drift from those the answerer was fitted on: under ``qemu-x86_64 -cpu
Haswell``, by 0.065 on average and 0.52 at most over 454 pairs (``bench.cpu_agreement``).
ONNX Runtime's session option ``session.x64quantprecision`` multiplies uint8 by uint8
instead, which never saturates: there the drift fell to 0.0075 on average and 0.16 at most
(what is left comes from the float kernels). It costs about half the reranker's speed, so
it is used only where it is needed.
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

X86 = {"x86_64", "amd64", "i386", "i486", "i586", "i686", "x86"}
VNNI = ("avx512_vnni", "avx_vnni")
CPUINFO = Path("/proc/cpuinfo")


def needs_precise(machine: str, cpuinfo: str | None) -> bool:
    """Whether int8 products saturate here: an x86 CPU whose flags show no VNNI. When the
    flags cannot be read (no ``/proc/cpuinfo``, as on Windows and macOS) an x86 CPU is taken
    to need it: slower is better than wrong."""
    if machine.lower() not in X86:
        return False
    if cpuinfo is None:
        return True
    flags = {
        word
        for line in cpuinfo.splitlines()
        if line.startswith("flags")
        for word in line.partition(":")[2].split()
    }
    return not any(f in flags for f in VNNI)


@functools.cache
def precise_int8() -> bool:
    """``needs_precise`` for the machine this process runs on."""
    try:
        cpuinfo: str | None = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = None
    return needs_precise(platform.machine(), cpuinfo)
