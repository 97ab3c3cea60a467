"""The sweep's picture, drawn with Pillow so it needs neither Qt nor matplotlib.

Left: the final metric on training and held-out data against the parameter count (log axis):
a dot per seed, the mean as a line, the lowest-to-highest range as a bar, and chance as a
dashed line. With label noise it is the error (1 − accuracy), as double descent is drawn, and
the interpolation threshold (the smallest size that fits every training label) a dashed
vertical line; with a class per position, the held-out exact match (all positions right) is
drawn beside the per-position accuracy. Right: each size's held-out curve over the epochs
(mean over seeds), light to dark from small to large. Drawn at twice the size and scaled down,
for smooth lines.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from nnstudio.core.metrics import METRICS

if TYPE_CHECKING:
    from nnstudio.engine.sweep import SweepResult

SUPERSAMPLE = 2
BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
GRID = (225, 225, 225)
TRAIN = (31, 119, 180)
HELD_OUT = (230, 110, 20)
CHANCE = (150, 150, 150)
EXACT = (140, 60, 170)
THRESHOLD = (200, 40, 40)
# Small to large sizes: from a light to a dark blue-green.
LIGHT, DARK = np.array((160, 215, 190)), np.array((20, 60, 110))

_SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow before 10.1 has only the small bitmap font
        return ImageFont.load_default()


class _Axes:
    """A plot area in pixels with data ranges; x may be logarithmic."""

    def __init__(self, box: tuple[int, int, int, int], x_range: tuple[float, float],
                 y_range: tuple[float, float], log_x: bool):
        self.box, self.log_x = box, log_x
        self.x0, self.x1 = (math.log10(v) for v in x_range) if log_x else x_range
        self.y0, self.y1 = y_range

    def x(self, value: float) -> float:
        left, _, right, _ = self.box
        value = math.log10(value) if self.log_x else value
        return left + (value - self.x0) / ((self.x1 - self.x0) or 1.0) * (right - left)

    def y(self, value: float) -> float:
        _, top, _, bottom = self.box
        value = min(max(value, self.y0), self.y1)
        return bottom - (value - self.y0) / ((self.y1 - self.y0) or 1.0) * (bottom - top)


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _count_label(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def _y_range(values: Sequence[float], metric: str, chance: float | None) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)] + ([chance] if chance is not None else [])
    if METRICS[metric].share:
        low = min(finite, default=0.0)
        return (0.0 if low < 0.5 else math.floor(low * 10) / 10 - 0.1), 1.0
    low, high = min(finite, default=0.0), max(finite, default=1.0)
    if metric == "r2":
        low, high = max(low, -1.0), max(high, 1.0)
    pad = (high - low) * 0.05 or 0.5
    return low - pad, high + pad


def _frame(draw: ImageDraw.ImageDraw, axes: _Axes, font, title: str, x_label: str,
           y_label: str, x_ticks: list[tuple[float, str]], y_ticks: list[float], s: int) -> None:
    left, top, right, bottom = axes.box
    for value in y_ticks:
        y = axes.y(value)
        draw.line((left, y, right, y), fill=GRID, width=s)
        draw.text((left - 8 * s, y), f"{value:g}", fill=INK, font=font, anchor="rm")
    for value, label in x_ticks:
        x = axes.x(value)
        draw.line((x, top, x, bottom), fill=GRID, width=s)
        draw.text((x, bottom + 6 * s), label, fill=INK, font=font, anchor="ma")
    draw.rectangle((left, top, right, bottom), outline=INK, width=s)
    draw.text(((left + right) / 2, top - 10 * s), title, fill=INK, font=font, anchor="md")
    draw.text(((left + right) / 2, bottom + 26 * s), x_label, fill=INK, font=font, anchor="ma")
    draw.text((left - 48 * s, (top + bottom) / 2), y_label, fill=INK, font=font, anchor="rm")


def _dashed(draw: ImageDraw.ImageDraw, x0: float, x1: float, y: float, color, s: int) -> None:
    x = x0
    while x < x1:
        draw.line((x, y, min(x + 8 * s, x1), y), fill=color, width=s)
        x += 14 * s


def _log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Powers of ten in [low, high]; with 2 and 5 times them when that gives too few."""
    for steps in ((1,), (1, 2, 5)):
        ticks = []
        power = 10 ** math.floor(math.log10(low))
        while power <= high:
            ticks += [(power * k, _count_label(power * k)) for k in steps
                      if low <= power * k <= high]
            power *= 10
        if len(ticks) >= 3:
            break
    return ticks


def draw_sweep(result: SweepResult, size: tuple[int, int] = (1200, 520)) -> Image.Image:
    """The sweep's picture as a Pillow image (see the module notes)."""
    s = SUPERSAMPLE
    width, height = size[0] * s, size[1] * s
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = _font(13 * s)
    held = result.held_out
    # Plain ASCII: Pillow's built-in font has no superscript two.
    metric_name = plotted_name(result)
    summaries = result.summary()
    split_w = int(width * 0.55)
    title = f"{result.name}: {metric_name} against " + (
        "training rows" if result.grows_data else "model size")
    if result.cancelled:
        title += " (stopped early)"
    _draw_final(draw, result, summaries, (70 * s + 40 * s, 40 * s, split_w - 20 * s,
                                          height - 80 * s), font, title, metric_name, held, s)
    _draw_curves(draw, result, (split_w + 90 * s, 40 * s, width - 130 * s, height - 80 * s),
                 font, metric_name, held, s)
    return image.resize(size, Image.Resampling.LANCZOS)


def plotted_name(result: SweepResult, ascii: bool = True) -> str:
    """What the left picture's y axis shows; in plain ASCII for Pillow's basic font, or as
    the window writes it ("R²", "1 − accuracy")."""
    if result.plots_error:
        return "error (1 - accuracy)" if ascii else "error (1 − accuracy)"
    row = METRICS[result.metric]
    name = row.ascii_label if ascii else row.label
    return f"{name} per position" if result.exact_match else name


def plotted(result: SweepResult, value: float) -> float:
    """A metric value as the pictures show it: the error where `plots_error`."""
    return 1.0 - value if result.plots_error else value


def _series(result: SweepResult, held: str) -> list[tuple[str, str, tuple, int]]:
    """(split, metric, colour, sideways shift) of each line on the left picture."""
    series = [("train", result.metric, TRAIN, -3), (held, result.metric, HELD_OUT, 3)]
    if result.exact_match:
        series.append((held, "exact_match", EXACT, 0))
    return series


def _draw_final(draw, result, summaries, box, font, title, metric_name, held, s) -> None:
    params = [result.x_value(r.size, r.parameters) for r in result.runs] or [1, 10]
    low, high = max(1, min(params)) / 1.6, max(params) * 1.6
    series = _series(result, held)
    values = [plotted(result, v) for r in result.runs for k, v in r.metrics.items()
              if k in {f"{split}_{metric}" for split, metric, _, _ in series}]
    chance = None if result.chance is None else plotted(result, result.chance)
    y_range = (_error_range(values) if result.plots_error
               else _y_range(values, result.metric, chance))
    axes = _Axes(box, (low, high), y_range, log_x=True)
    step = _nice_step(y_range[1] - y_range[0])
    y_ticks = [v for v in np.arange(math.ceil(y_range[0] / step) * step, y_range[1] + 1e-9, step)]
    _frame(draw, axes, font, title, f"{result.x_label} (log scale)", metric_name.split(" ")[0],
           _log_ticks(low, high), [round(v, 6) for v in y_ticks], s)
    left, top, right, bottom = box
    if chance is not None and y_range[0] <= chance <= y_range[1]:
        y = axes.y(chance)
        _dashed(draw, left, right, y, CHANCE, s)
        draw.text((left + 6 * s, y + 4 * s), "chance", fill=CHANCE, font=font, anchor="la")
    threshold = result.interpolation_threshold() if result.plots_error else None
    if threshold is not None:
        x = axes.x(result.x_value(threshold.size, threshold.parameters))
        _dashed_vertical(draw, x, top, bottom, THRESHOLD, s)
        draw.text((x + 5 * s, top + 6 * s), f"interpolation threshold ({threshold.size.label})",
                  fill=THRESHOLD, font=font, anchor="la")
    for split, metric, color, shift in series:
        points = []
        for summary in (summaries if metric == result.metric else result.summary(metric)):
            if split not in summary.values:
                continue
            mean, lowest, highest = (plotted(result, v) for v in summary.values[split])
            x = axes.x(result.x_value(summary.size, summary.parameters)) + shift * s
            draw.line((x, axes.y(lowest), x, axes.y(highest)), fill=color, width=2 * s)
            points.append((x, axes.y(mean)))
        for run in result.runs:
            value = run.metrics.get(f"{split}_{metric}")
            if value is not None and math.isfinite(value):
                x = axes.x(result.x_value(run.size, run.parameters)) + shift * s
                y = axes.y(plotted(result, value))
                draw.ellipse((x - 2 * s, y - 2 * s, x + 2 * s, y + 2 * s), outline=color, width=s)
        if len(points) > 1:
            draw.line(points, fill=color, width=2 * s, joint="curve")
        for x, y in points:
            draw.ellipse((x - 4 * s, y - 4 * s, x + 4 * s, y + 4 * s), fill=color)
    seeds = len(result.seeds)
    legend = [(TRAIN, f"{_SPLIT_NAMES['train']} (mean, range over {seeds} seed"
                      f"{'s' if seeds != 1 else ''})"),
              (HELD_OUT, f"{_SPLIT_NAMES.get(held, held)}")]
    if result.exact_match:
        legend.append((EXACT, f"{_SPLIT_NAMES.get(held, held)} exact match (all positions "
                              "right)"))
    # Errors fall to the bottom right, accuracies rise to the top right: the legend goes where
    # the lines are not.
    corner_y = top + 30 * s + (18 * len(legend) + 8) * s if result.plots_error else bottom - 10 * s
    _legend(draw, legend, (right - 10 * s, corner_y), font, s, boxed=True)


def _error_range(values: Sequence[float]) -> tuple[float, float]:
    """From 0 to a tenth above the largest error (the peak must not touch the frame)."""
    highest = max((v for v in values if math.isfinite(v)), default=1.0)
    return 0.0, min(1.0, math.ceil((highest + 0.02) * 10) / 10)


def _dashed_vertical(draw: ImageDraw.ImageDraw, x: float, y0: float, y1: float, color,
                     s: int) -> None:
    y = y0
    while y < y1:
        draw.line((x, y, x, min(y + 8 * s, y1)), fill=color, width=2 * s)
        y += 14 * s


def _legend(draw, entries, corner, font, s, boxed: bool = False) -> None:
    """Entries from `corner`: the top-left corner, or with `boxed` the bottom-right corner of
    a white box (so it stays readable over grid lines)."""
    x, y = corner
    if boxed:
        text_width = max(draw.textlength(label, font=font) for _, label in entries)
        width, height = 24 * s + text_width + 12 * s, 18 * s * len(entries) + 8 * s
        x, y = x - width, y - height
        draw.rectangle((x, y, x + width, y + height), fill=BACKGROUND, outline=GRID, width=s)
        x, y = x + 6 * s, y + 4 * s
    for color, label in entries:
        draw.line((x, y + 7 * s, x + 18 * s, y + 7 * s), fill=color, width=3 * s)
        draw.text((x + 24 * s, y + 7 * s), label, fill=INK, font=font, anchor="lm")
        y += 18 * s


def _draw_curves(draw, result, box, font, metric_name, held, s) -> None:
    key = f"val_{result.metric}"
    split = "validation"
    if not any(key in r.history for r in result.runs):
        key, split = result.metric, "training"
    curves = []
    for index, size in enumerate(result.sizes):
        runs = [r for r in result.runs if r.size == size and r.history.get(key)]
        if not runs:
            continue
        length = min(len(r.history[key]) for r in runs)
        mean = np.nanmean(np.array([r.history[key][:length] for r in runs], dtype=float), 0)
        curves.append((index, size, plotted(result, mean)))
    epochs = max((len(c[2]) for c in curves), default=1)
    values = [v for _, _, c in curves for v in c if math.isfinite(v)]
    y_range = (_error_range(values) if result.plots_error
               else _y_range(values, result.metric, result.chance))
    axes = _Axes(box, (1, max(2, epochs)), y_range, log_x=False)
    step = _nice_step(y_range[1] - y_range[0])
    y_ticks = [round(v, 6) for v in np.arange(math.ceil(y_range[0] / step) * step,
                                              y_range[1] + 1e-9, step)]
    x_step = _nice_step(epochs - 1 or 1)
    x_ticks = [(v, f"{v:g}") for v in np.arange(x_step, epochs + 1e-9, x_step) if v >= 1]
    _frame(draw, axes, font, f"{split} {metric_name} during training, per size", "epoch",
           "", [(1, "1")] + x_ticks, y_ticks, s)
    count = max(1, len(result.sizes) - 1)
    entries = []
    for index, size, curve in curves:
        color = tuple(int(c) for c in LIGHT + (DARK - LIGHT) * (index / count))
        points = [(axes.x(e + 1), axes.y(v)) for e, v in enumerate(curve) if math.isfinite(v)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2 * s, joint="curve")
        entries.append((color, size.label))
    _legend(draw, entries, (box[2] + 12 * s, box[1]), font, s)
