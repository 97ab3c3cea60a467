"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates"; fastai's `lr_find`).

From fresh weights (the project's seed), train a few hundred batches while the learning rate
grows exponentially from `start` to `end`, and stop once the loss explodes. The smoothed loss
against the rate falls, flattens, then shoots up; a good rate lies where it falls fastest
(steepest descent), and a safe one a tenth of the rate at its minimum. Nothing of the project
changes: the run trains its own model, built from the spec, and keeps no weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import Network
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.devices import pinned_threads
from nnstudio.engine.target_scaling import ScaledTraining
# The torch path's batch step (autograd, the configured optimizer, L1/L2, clipping), shared so
# the test trains exactly as a run would.
from nnstudio.engine.trainer import _TorchSteps, plan_run

START_RATE, END_RATE = 1e-7, 10.0
STEPS = 300
SMOOTHING = 0.95  # the loss's exponential moving average, bias-corrected
SKIP_START = 10  # the first smoothed values are a few noisy batches: no suggestion from them
EXPLODED = 4.0  # stop when the smoothed loss exceeds this many times its lowest value


@dataclass(frozen=True)
class RangeTest:
    """What the range test found. `losses` are smoothed (what is plotted and judged);
    `raw_losses` each batch's own loss. `stop_reason`: "exploded", "completed" or "stopped"."""

    learning_rates: list[float]
    losses: list[float]
    raw_losses: list[float]
    steepest: float | None  # the rate where the smoothed loss falls fastest
    minimum_tenth: float | None  # a tenth of the rate at the smoothed loss's minimum
    stop_reason: str

    @property
    def suggested(self) -> float | None:
        """The rate to use: min/10. Steepest descent is shown beside it, but on small data one
        lucky batch early on can make it (seed_article: 2e-7 against min/10's 9e-3)."""
        return self.minimum_tenth

    def to_json(self) -> dict:
        return {"learning_rates": self.learning_rates, "losses": self.losses,
                "suggested": self.suggested, "steepest": self.steepest,
                "minimum_tenth": self.minimum_tenth, "raw_losses": self.raw_losses,
                "stop_reason": self.stop_reason}


def find_learning_rate(network: Network, data: PreparedData, config: TrainingConfig,
                       steps: int = STEPS, start: float = START_RATE, end: float = END_RATE,
                       report: Callable[[int, int], None] | None = None,
                       control=None) -> RangeTest:
    """Run the range test on `data.train` with the optimizer, loss, batch size and seed of
    `config` (its learning rate and schedule are what the test replaces). `report(done,
    steps)` after each batch; `control.stop_requested` ends it early with what it has.
    SpecError/DataError as `plan_run` when the network cannot train on the data."""
    scaled = ScaledTraining.for_run(network, data, config.loss)
    if scaled is not None:  # the trainer fits a regression target standardized: so does this
        data = scaled.data(data)
    plan = plan_run(network, data, config)
    growth = (end / start) ** (1 / max(1, steps - 1))
    rates, raw, smoothed = [], [], []
    average, lowest, reason = 0.0, math.inf, "completed"
    generator = torch.Generator().manual_seed(config.seed)
    with pinned_threads(plan.threads), torch.random.fork_rng():
        torch.manual_seed(config.seed)
        plan.model.train()
        batch_steps = _TorchSteps(plan)
        position = plan.train_samples  # start with a fresh shuffle
        for step in range(steps):
            if control is not None and control.stop_requested:
                reason = "stopped"
                break
            if position >= plan.train_samples:
                batch_steps.begin_epoch(torch.randperm(plan.train_samples, generator=generator))
                position = 0
            rate = start * growth ** step
            batch_steps.set_learning_rate(rate)
            batch_steps.step(step, position, position + config.batch_size)
            position += config.batch_size
            loss = float(batch_steps.losses[-1])
            average = SMOOTHING * average + (1 - SMOOTHING) * loss
            value = average / (1 - SMOOTHING ** (step + 1))
            if not math.isfinite(value):
                reason = "exploded"
                break
            rates.append(rate)
            raw.append(loss)
            smoothed.append(value)
            lowest = min(lowest, value)
            if report is not None:
                report(step + 1, steps)
            if value > EXPLODED * lowest:
                reason = "exploded"
                break
    steepest, minimum_tenth = suggestions(rates, smoothed)
    return RangeTest(rates, smoothed, raw, steepest, minimum_tenth, reason)


def suggestions(rates: list[float], losses: list[float]) -> tuple[float | None, float | None]:
    """(steepest descent, min/10) of a smoothed loss curve; None where the curve is too short.

    Steepest descent is the most negative slope of the loss against log(rate), looked for only
    before the minimum (past it the loss rises, and its first wobbles would mislead).
    """
    if len(rates) < SKIP_START + 3:
        return None, None
    values = np.asarray(losses[SKIP_START:])
    rates = rates[SKIP_START:]
    lowest = int(np.argmin(values))
    minimum_tenth = rates[lowest] / 10
    if lowest < 2:
        return None, minimum_tenth
    slopes = np.gradient(values[:lowest + 1], np.log10(rates[:lowest + 1]))
    steepest = int(np.argmin(slopes))
    return (rates[steepest] if slopes[steepest] < 0 else None), minimum_tenth
