"""The benchmark report states each target as met or missed from the numbers, never by default."""

from lib.bench import run as bench


def _result(size: int, build: float, extract: float, floor: float, incremental: float, peak: float,
            floor_peak: float | None = None) -> dict:
    stages = {"ingest": 0.1 * build, "extract": extract, "claims": 0.1 * build}
    return {"size": size, "documents": size, "tokens": 230 * size, "stages": stages,
            "build_seconds": build, "build_peak_mb": peak, "store_mb": size / 100,
            "step_peak_mb": {name: peak for name in stages}, "floor_seconds": floor, "n_process": 2,
            "floor_peak_mb": floor_peak or peak, "incremental_seconds": incremental,
            "incremental_runs_seconds": [incremental, incremental * 1.2, incremental * 0.9],
            "incremental_stages": {name: incremental / 3 for name in stages}}


def test_targets_met_are_reported_as_met():
    text = bench.results_markdown([_result(100, 10, 5, 4, 0.5, 500), _result(1000, 60, 30, 25, 5, 520)])
    assert "Extraction / spaCy floor <= 1.5 at 1,000 documents: 1.20, met." in text
    assert "costs <= 10% of the full build at 1,000 documents: 8.3%, met (median" in text
    assert "MISSED" not in text
    assert "(median of 5.0, 6.0, 4.5 s against 60.0 s)" in text


def test_targets_missed_are_reported_as_missed():
    text = bench.results_markdown([_result(100, 10, 5, 4, 0.5, 500), _result(1000, 200, 60, 25, 50, 2000, 1500)])
    assert "2.40, MISSED" in text
    assert "25.0%, MISSED" in text
    assert "Peak RSS during each step" in text
    assert "at or under the bare spaCy floor at every size, MISSED" in text
