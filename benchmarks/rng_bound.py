"""The RNG bound: the time to draw only the random numbers a run consumes.

:func:`record` runs one real :func:`simcrm.simulate` with every stage generator wrapped
in a :class:`RecordingGenerator`, which logs each Generator method call (name, arguments
— parameter arrays copied — and how many values it returned), stream by stream in the
order the streams were opened. :func:`replay` makes exactly those calls again on fresh
generators built with the same ``block_generator(seed, block, stage)`` layout; timing it
gives the floor no implementation of the same model on the same streams can beat.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simcrm import streams
from simcrm.engine.blocks import simulate
from simcrm.scenario.schema import Scenario

GeneratorFactory = Callable[[int, int, Any], np.random.Generator]


@dataclass(frozen=True)
class Call:
    """One Generator method call: ``method(*args, **kwargs)`` returned ``draws`` values."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    draws: int
    output: np.ndarray | None = None


@dataclass
class Stream:
    """The calls made on one stage generator of one block."""

    seed: int
    block: int
    stage: int
    calls: list[Call] = field(default_factory=list)

    @property
    def draws(self) -> int:
        """Values drawn from this stream."""
        return sum(c.draws for c in self.calls)


def _frozen(x: Any) -> Any:
    """A copy of an argument that later in-place updates by the model cannot change."""
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    if isinstance(x, list | tuple):
        return type(x)(_frozen(v) for v in x)
    return x


class RecordingGenerator:
    """A thin proxy around a :class:`numpy.random.Generator` that logs every method call.

    Attributes other than methods (e.g. ``bit_generator``) pass through unrecorded.
    """

    def __init__(self, real: np.random.Generator, stream: Stream, keep: bool) -> None:
        self._real = real
        self._stream = stream
        self._keep = keep

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def recorded(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            output = np.array(out, copy=True) if self._keep else None
            call = Call(name, _frozen(args), _frozen(kwargs), int(np.size(out)), output)
            self._stream.calls.append(call)
            return out

        return recorded


@contextmanager
def recording(keep: bool = False) -> Iterator[list[Stream]]:
    """Record every stage generator opened by the model while the context is active.

    Every ``simcrm`` module attribute bound to :func:`simcrm.streams.block_generator` is
    replaced by a recording factory and restored on exit.
    """
    real: GeneratorFactory = streams.block_generator
    log: list[Stream] = []

    def factory(seed: int, block: int, stage: Any) -> np.random.Generator:
        stream = Stream(int(seed), int(block), int(stage))
        log.append(stream)
        return RecordingGenerator(real(seed, block, stage), stream, keep)  # type: ignore[return-value]

    patched = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] == "simcrm" and getattr(module, "block_generator", None) is real
    ]
    for module in patched:
        module.block_generator = factory  # type: ignore[attr-defined]
    try:
        yield log
    finally:
        for module in patched:
            module.block_generator = real  # type: ignore[attr-defined]


def record(scenario: Scenario, trials: int, seed: int, keep: bool = False) -> list[Stream]:
    """Run :func:`simcrm.simulate` once and return the calls of every stream, in order.

    Parameters
    ----------
    keep
        Also keep every returned value (for tests; memory grows with ``trials``).
    """
    with recording(keep) as log:
        simulate(scenario, trials=trials, seed=seed)
    if not log or not any(s.calls for s in log):
        raise RuntimeError(
            "no generator calls were recorded: does the model still use "
            "simcrm.streams.block_generator?"
        )
    return log


def replay(log: list[Stream], keep: bool = False) -> tuple[int, list[Any]]:
    """Make the recorded calls again on fresh generators of the same layout.

    Returns
    -------
    tuple
        Values drawn in all, and (with ``keep``) every call's result in order.
    """
    make = streams.block_generator
    drawn = 0
    results: list[Any] = []
    for stream in log:
        rng = make(stream.seed, stream.block, stream.stage)  # type: ignore[arg-type]
        for call in stream.calls:
            out = getattr(rng, call.method)(*call.args, **call.kwargs)
            drawn += np.size(out)
            if keep:
                results.append(out)
    return int(drawn), results


def summary(log: list[Stream]) -> dict[str, Any]:
    """Counts of a recording: streams, calls, values, and values per method."""
    by_method: dict[str, int] = {}
    for stream in log:
        for call in stream.calls:
            by_method[call.method] = by_method.get(call.method, 0) + call.draws
    return {
        "streams": len(log),
        "calls": sum(len(s.calls) for s in log),
        "draws": sum(s.draws for s in log),
        "draws_by_method": dict(sorted(by_method.items(), key=lambda kv: -kv[1])),
    }


def replay_breakdown(log: list[Stream]) -> dict[str, dict[str, float]]:
    """Seconds of one replay by model stage and by Generator method (timed call by call).

    The profile attributes a stage's Generator draws to the stage function's own time;
    this says how much of it is drawing.
    """
    make = streams.block_generator
    by_stage: dict[str, float] = {}
    by_method: dict[str, float] = {}
    clock = time.perf_counter
    for stream in log:
        stage = streams.Stage(stream.stage).name.lower()
        start = clock()
        rng = make(stream.seed, stream.block, stream.stage)  # type: ignore[arg-type]
        by_stage[stage] = by_stage.get(stage, 0.0) + clock() - start
        for call in stream.calls:
            start = clock()
            getattr(rng, call.method)(*call.args, **call.kwargs)
            took = clock() - start
            by_stage[stage] += took
            by_method[call.method] = by_method.get(call.method, 0.0) + took
    return {
        "seconds_by_stage": {k: round(v, 4) for k, v in by_stage.items()},
        "seconds_by_method": {k: round(v, 4) for k, v in by_method.items()},
    }
