"""The load benchmark, small: concurrent clients on one shared Assistant, zero errors."""

from __future__ import annotations

import pytest

from benchmarks.load_test import load_questions, run_load


@pytest.mark.slow
def test_concurrent_clients_on_one_assistant_get_no_errors(assistant):
    result = run_load(assistant, load_questions(60), clients=6)
    print(f"\nload: {result['questions']} questions, {result['clients']} clients, "
          f"p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
          f"{result['throughput_qps']:.1f} q/s")
    assert result["errors"] == []
    assert result["questions"] == 60 and result["abstained"] < 60
