"""A small fixed sample of benchmarks/fuzz_extract.py's inputs: nothing raises, no well-formed page loses a field.

The full run (20,000 inputs, with timings) is a benchmark, not a test: `python3 benchmarks/fuzz_extract.py`.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "fuzz_extract", Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz_extract.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
fuzz = importlib.util.module_from_spec(_SPEC)
sys.modules["fuzz_extract"] = fuzz  # its dataclasses look their module up
_SPEC.loader.exec_module(fuzz)

#: the generators of small inputs (the repeated and huge ones are for the benchmark)
SMALL_GENERATORS = ("gen_soup", "gen_truncated", "gen_mutated", "gen_fixture", "gen_nested", "gen_bytes")
SAMPLE = 40
#: tests run on shared machines: the budget is multiplied by this, so only a finder that is slow by orders of
#: magnitude (the 113 s prev/next finder on nested labels) loses a field here; real timings are the benchmark's
SLACK = 10.0


@pytest.fixture(scope="module")
def fixtures() -> list[tuple[str, str]]:
    return fuzz.load_fixtures()


@pytest.mark.parametrize("generator", SMALL_GENERATORS)
def test_fuzzed_inputs_never_raise_and_well_formed_ones_lose_nothing(generator, fixtures, caplog):
    caplog.set_level(logging.ERROR)
    rng = random.Random(generator)
    make = getattr(fuzz, generator)
    for _ in range(SAMPLE):
        case = make(rng, fixtures)
        got = fuzz.run_case(case, slack=SLACK)
        assert not got.raised, f"{case.kind}: {got.raised}"
        if case.well_formed:
            assert not got.failed, f"{case.kind} ({got.size} bytes): {got.failed}"


def test_the_fuzz_report_counts_what_it_ran(capsys):
    assert fuzz.main(["--count", "30", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "inputs 30 (seed 7)" in out
    assert "exceptions                         0" in out
    assert "contained failures, well-formed    0" in out
