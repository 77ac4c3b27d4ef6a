"""The stream layout of docs/model.md §8, pinned by draws computed another way.

Block ``k``, stage ``s`` draws from ``SeedSequence(seed).spawn(k + 1)[k].spawn(s + 1)[s]``:
child ``k`` of the root, then its grandchild ``s``. A layout with the two indices swapped
(``spawn_key=(s, k)``) gives the same streams where ``k == s`` only, so the cases below
mostly have ``k != s``; the literal draws catch any change of the layout at all.
"""

from __future__ import annotations

import numpy as np
import pytest

from simcrm.streams import Stage, block_generator


def _by_spawning(seed: int, block: int, stage: int) -> np.random.Generator:
    """The documented layout, built with ``spawn`` (not with ``spawn_key``)."""
    child = np.random.SeedSequence(seed).spawn(block + 1)[block]
    grandchild = child.spawn(stage + 1)[stage]
    return np.random.Generator(np.random.PCG64(grandchild))


CASES = [
    (0, 0, Stage.COSTS),
    (7, 1, Stage.PLAN),
    (7, 0, Stage.SCOPE),
    (11, 3, Stage.ADOPTION),
    (11, 4, Stage.SCOPE),
    (20_261_122, 12, Stage.RISKS),
    (2**40 + 5, 2, Stage.MONEY),
]


@pytest.mark.parametrize(("seed", "block", "stage"), CASES)
def test_block_stream_is_grandchild_stage_of_child_block(
    seed: int, block: int, stage: Stage
) -> None:
    assert block != int(stage)  # where a swapped layout would differ
    expected = _by_spawning(seed, block, int(stage)).random(3)
    np.testing.assert_array_equal(block_generator(seed, block, stage).random(3), expected)


def test_block_stream_golden_draws() -> None:
    """Computed once with the layout of §8; literals, so any change of it shows."""
    draws = block_generator(20_261_122, 3, Stage.ADOPTION).random(3)
    assert draws.tolist() == [0.5635560402553272, 0.5134902698100605, 0.9661452222543666]
    draws = block_generator(20_261_122, 4, Stage.SCOPE).random(3)
    assert draws.tolist() == [0.8219638105387789, 0.1278217500924662, 0.7323631456623203]


def test_swapping_block_and_stage_changes_the_stream() -> None:
    """The check above can fail: (block 4, stage 2) and (block 2, stage 4) differ."""
    a = block_generator(5, 4, Stage.SCOPE).random(3)
    b = block_generator(5, 2, Stage.ADOPTION).random(3)
    assert not np.array_equal(a, b)
