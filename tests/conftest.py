"""Shared test settings: Hypothesis profiles (a thorough one for CI)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_terminal_summary(terminalreporter):
    """After a run with fuzz tests: how many inputs each target ran and its slowest ones
    (tests/fuzzing.py records them; times are reported, never asserted)."""
    import sys

    fuzzing = sys.modules.get("fuzzing")
    lines = fuzzing.report() if fuzzing else []
    if lines:
        terminalreporter.section("fuzz targets: inputs and the slowest")
        for line in lines:
            terminalreporter.write_line(line)
