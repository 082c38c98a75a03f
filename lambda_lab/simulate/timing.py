"""How long things take: duration and cold-start (Init Duration) models, in milliseconds.

A model is a small frozen description; ``sampler()`` returns a fresh zero-argument callable
that draws one value per call. Random models carry a seed and every sampler starts from
it, so the same simulation gives the same numbers every time it runs.

Random values are drawn by NumPy in blocks of :data:`BLOCK` and handed out one by one by
a C-level iterator: the simulator asks for one or two values per invocation, and drawing
them one at a time in Python (``random.gauss`` and ``math.exp``) was a third of its time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Sampler = Callable[[], float]
BLOCK = 4096  # values drawn at a time


def _generator(seed: int) -> np.random.Generator:
    import numpy as np  # here, so that importing the simulator does not import NumPy

    return np.random.default_rng(seed)


def _blocks(draw: Callable[[int], np.ndarray]) -> Sampler:
    """A sampler handing out ``draw(BLOCK)``'s values one at a time, refilling as it goes."""

    def refills() -> Iterator[list[float]]:
        while True:
            yield draw(BLOCK).tolist()

    return itertools.chain.from_iterable(refills()).__next__


def _check_ms(owner: str, field: str, value: float, *, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{owner}: '{field}' must be a number of milliseconds (got {value!r})")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{owner}: '{field}' must be finite and {bound} ms (got {value!r})")


@dataclass(frozen=True)
class Constant:
    """Always the same value: the model for hand-checkable cases."""

    ms: float

    def __post_init__(self) -> None:
        _check_ms("Constant", "ms", self.ms)

    def sampler(self) -> Sampler:
        return itertools.repeat(float(self.ms)).__next__

    @property
    def mean_ms(self) -> float:
        return float(self.ms)


@dataclass(frozen=True)
class Uniform:
    """Any value between ``low_ms`` and ``high_ms``, equally likely."""

    low_ms: float
    high_ms: float
    seed: int = 0

    def __post_init__(self) -> None:
        _check_ms("Uniform", "low_ms", self.low_ms)
        _check_ms("Uniform", "high_ms", self.high_ms)
        if self.high_ms < self.low_ms:
            raise ValueError(
                f"Uniform: 'high_ms' must be >= 'low_ms' (got low_ms={self.low_ms}, "
                f"high_ms={self.high_ms})"
            )

    def sampler(self) -> Sampler:
        uniform = _generator(self.seed).uniform
        low, high = float(self.low_ms), float(self.high_ms)
        return _blocks(lambda count: uniform(low, high, count))

    @property
    def mean_ms(self) -> float:
        return (self.low_ms + self.high_ms) / 2


@dataclass(frozen=True)
class LogNormal:
    """Skewed to the right like real latencies: half the values fall under ``median_ms``.

    ``sigma`` is the spread of the logarithm: 0.25 is tight, 1.0 has a long tail.
    """

    median_ms: float
    sigma: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        _check_ms("LogNormal", "median_ms", self.median_ms, positive=True)
        if not (isinstance(self.sigma, (int, float)) and 0 <= self.sigma <= 5):
            raise ValueError(f"LogNormal: 'sigma' must be in range 0..5 (got {self.sigma!r})")

    def sampler(self) -> Sampler:
        lognormal = _generator(self.seed).lognormal
        mu, sigma = math.log(self.median_ms), float(self.sigma)
        return _blocks(lambda count: lognormal(mu, sigma, count))

    @property
    def mean_ms(self) -> float:
        return self.median_ms * math.exp(self.sigma**2 / 2)


@dataclass(frozen=True)
class Exponential:
    """Memoryless: many short values and a few long ones, averaging ``mean_ms``."""

    mean_ms: float
    seed: int = 0

    def __post_init__(self) -> None:
        _check_ms("Exponential", "mean_ms", self.mean_ms, positive=True)

    def sampler(self) -> Sampler:
        exponential = _generator(self.seed).exponential
        mean = float(self.mean_ms)
        return _blocks(lambda count: exponential(mean, count))


@dataclass(frozen=True)
class Empirical:
    """Draws (with replacement) from measured values, e.g. durations the real runtime recorded."""

    samples_ms: tuple[float, ...]
    seed: int = 0

    def __init__(self, samples_ms: Sequence[float], seed: int = 0) -> None:
        values = tuple(samples_ms)
        if not values:
            raise ValueError("Empirical: 'samples_ms' must hold at least one value (got none)")
        for index, value in enumerate(values):
            _check_ms("Empirical", f"samples_ms[{index}]", value)
        object.__setattr__(self, "samples_ms", tuple(float(v) for v in values))
        object.__setattr__(self, "seed", seed)

    def sampler(self) -> Sampler:
        import numpy as np

        integers = _generator(self.seed).integers
        values = np.array(self.samples_ms, dtype=float)
        return _blocks(lambda count: values[integers(0, len(values), count)])

    @property
    def mean_ms(self) -> float:
        return sum(self.samples_ms) / len(self.samples_ms)


TimingModel = Constant | Uniform | LogNormal | Exponential | Empirical
MODELS = (Constant, Uniform, LogNormal, Exponential, Empirical)


def as_model(value: TimingModel | float, owner: str, field: str) -> TimingModel:
    """Accept a model or a plain number of milliseconds (meaning a Constant)."""
    if isinstance(value, MODELS):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{owner}: '{field}' must be finite and >= 0 ms (got {value!r})")
        return Constant(float(value))
    names = ", ".join(model.__name__ for model in MODELS)
    raise TypeError(f"{owner}: '{field}' must be milliseconds or one of {names} (got {value!r})")
