"""How long things take: duration and cold-start (Init Duration) models, in milliseconds.

A model is a small frozen description; ``sampler()`` returns a fresh zero-argument callable
that draws one value per call. Random models carry a seed and every sampler starts from
it, so the same simulation gives the same numbers every time it runs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Sampler = Callable[[], float]


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
        value = float(self.ms)
        return lambda: value

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
        uniform = random.Random(self.seed).uniform
        low, high = float(self.low_ms), float(self.high_ms)
        return lambda: uniform(low, high)

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
        gauss, exp = random.Random(self.seed).gauss, math.exp
        mu, sigma = math.log(self.median_ms), float(self.sigma)
        return lambda: exp(gauss(mu, sigma))

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
        rng = random.Random(self.seed)
        rate = 1.0 / self.mean_ms
        expovariate = rng.expovariate
        return lambda: expovariate(rate)


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
        rng = random.Random(self.seed)
        values, count = self.samples_ms, len(self.samples_ms)
        draw = rng.random
        return lambda: values[int(draw() * count)]

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
