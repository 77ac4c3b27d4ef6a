"""What every shipped scenario and analysis command produces, digest by digest.

``tests/golden/digests.json`` records the SHA-256 of each Parquet chunk and
``summary.json`` of 40,000-trial runs of every shipped scenario, and of the JSON of
``failure-rate``, ``definitions``, ``compare`` and ``calibrate``
(``tests/golden/make_digests.py`` says how). A change that moves any byte fails here;
a deliberate change of the model records the digests again (``--write``) and says so.
The digests hold for the versions recorded beside them, so with other versions of
numpy, pyarrow, scipy or Python the test is skipped, saying which.
"""

from __future__ import annotations

import json

import pytest

from tests.golden import make_digests


def test_outputs_equal_the_recorded_digests() -> None:
    record = json.loads(make_digests.RECORD.read_text())
    if record["versions"] != make_digests.versions():
        pytest.skip(f"digests recorded with {record['versions']}, not {make_digests.versions()}")
    now = make_digests.digests()
    changed = sorted(
        k for k in record["digests"].keys() | now.keys() if record["digests"].get(k) != now.get(k)
    )
    assert not changed, f"outputs differ from the record: {changed}"
