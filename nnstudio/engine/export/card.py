"""A model card: one Markdown page that says what the network is, what it learned from, how it
was trained and how well it does, with its loss curves drawn as a PNG beside it.

The chart is drawn with Pillow (a dependency already), so cards need no plotting library.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import nnstudio
from nnstudio.core.errors import NNStudioError
from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.metrics import format_metric_value, metric_label
from nnstudio.core.project import Project, RunRecord
from nnstudio.core.shapes import format_shape, infer_shapes
from nnstudio.data.builtin import BUILTIN_DATASETS
from nnstudio.data.classes import ClassLegend, color_name
from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import METHOD_HELP

CHART_SIZE = (720, 400)
_CURVES = (("loss", "training loss", (31, 119, 180)),
           ("val_loss", "validation loss", (255, 127, 14)))


def write_card(project: Project, out: str | Path, dataset: Dataset | None = None) -> list[Path]:
    """Write the card `out` (.md) and, when the project has a run, `<stem>_loss.png` beside it.

    `dataset` adds sample counts and shapes (optional). Returns the files written;
    NNStudioError if they cannot be written.
    """
    path = Path(out)
    run = card_run(project)
    chart = None
    if run is not None and run.history.get("loss"):
        chart = path.with_name(f"{path.stem}_loss.png")
    text = card_markdown(project, dataset, run, chart.name if chart else None)
    try:
        path.write_text(text, encoding="utf-8")
        if chart is not None:
            draw_loss_chart(run.history).save(chart, "PNG")
    except OSError as error:
        raise NNStudioError(f"{path}: cannot write the model card ({error.strerror or error})") \
            from None
    return [path] + ([chart] if chart else [])


def card_markdown(project: Project, dataset: Dataset | None = None,
                  run: RunRecord | None = None, chart_name: str | None = None) -> str:
    """The card's Markdown text; `run` is the run whose results it shows (None: untrained)."""
    parts = [f"# {project.name}", ""]
    if project.notes.strip():
        parts += [project.notes.strip(), ""]
    parts += [f"*Model card written by NN Studio {nnstudio.__version__}.*", ""]
    parts += _architecture(project)
    parts += _data(project, dataset)
    parts += _training(project, run)
    parts += _results(run, chart_name)
    return "\n".join(parts).rstrip("\n") + "\n"


# ---- sections ----------------------------------------------------------------------------------

def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[int, ...] = ()
           ) -> list[str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    rule = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _architecture(project: Project) -> list[str]:
    network = project.network
    report = infer_shapes(network)
    rows = []
    for node_id in report.order or network.ids():
        node = network.node(node_id)
        info = report.nodes.get(node_id)
        kind = LAYER_TYPES[node.type]
        keys = {spec.name for spec in kind.schema if spec.key}
        settings = ", ".join(f"{k} {_value(v)}" for k, v in node.params.items() if k in keys)
        rows.append((f"`{node_id}`", kind.name, settings,
                     format_shape(info.shape if info else None),
                     f"{info.params:,}" if info else "?", ", ".join(node.inputs)))
    lines = ["## Architecture", ""]
    lines += _table(("Layer", "Type", "Settings", "Output shape", "Parameters", "Inputs"),
                    rows, right=(4,))
    lines += [f"Total parameters: **{report.total_params:,}**. Shapes leave out the batch "
              "dimension and are channels-first, as in PyTorch.", ""]
    lines += [f"Problem: {message}" for _, message in report.errors]
    return lines


def _value(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return "×".join(str(v) for v in value)
    return str(value)


def _data(project: Project, dataset: Dataset | None) -> list[str]:
    data = project.data
    source = data.source
    lines = ["## Data", ""]
    if source.kind == "builtin" and source.name in BUILTIN_DATASETS:
        entry = BUILTIN_DATASETS[source.name]
        params = ", ".join(f"{k} {v}" for k, v in source.params.items())
        lines += [f"**{entry.display_name}**, NN Studio's built-in dataset"
                  + (f" ({params}, seed {source.seed})" if params else "") + ".",
                  "", entry.description, ""]
    else:
        lines += [f"The file `{source.path}` ({source.format or 'file'}, sha256 "
                  f"`{source.sha256[:16]}…`).", ""]
    if dataset is not None:
        task = {"binary": "two classes", "multiclass": f"{dataset.n_classes} classes",
                "regression": "predicting numbers"}[dataset.task]
        legend = ClassLegend.of(dataset)  # label order and colours as NN Studio shows them
        classes = (" Classes (label: name, colour in NN Studio): " + ", ".join(
            f"{k}: {legend.name(k)} ({color_name(k)} {legend.color(k)})"
            for k in range(len(legend))) + "." if len(legend) else "")
        lines += [f"{dataset.n_samples:,} samples shaped {format_shape(dataset.input_shape)}; "
                  f"task: {task}.{classes}", ""]
    train = 1.0 - data.validation - data.test
    lines += _table(("Split", "Share"), [("training", f"{train:.0%}"),
                                         ("validation", f"{data.validation:.0%}"),
                                         ("test", f"{data.test:.0%}")], right=(1,))
    stratified = ", stratified by class" if dataset is not None and dataset.class_names else ""
    lines += [f"Split with seed {data.split_seed}{stratified}. Preprocessing: "
              f"**{data.preprocessing}**: {METHOD_HELP[data.preprocessing]}", ""]
    return lines


def _relevant_settings(config: dict) -> list[str]:
    names = ["optimizer", "learning_rate"]
    if config["optimizer"] in ("sgd", "rmsprop"):
        names.append("momentum")
    if config["optimizer"] == "sgd":
        names.append("nesterov")
    if config["optimizer"] == "adamw":
        names.append("weight_decay")
    names.append("schedule")
    names += {"step": ["step_size", "gamma"], "plateau": ["plateau_patience", "gamma"]}.get(
        config["schedule"], [])
    names += ["batch_size", "epochs", "loss", "l1", "l2", "grad_clip", "early_stopping"]
    if config["early_stopping"]:
        names += ["monitor", "patience", "restore_best"]
    return names + ["seed", "device"]


def card_run(project: Project) -> RunRecord | None:
    """The run a card describes: the one the current weights came from, else the latest."""
    origin = project.weights_origin
    run = project.find_run(origin.run) if origin is not None else None
    return run or (project.runs[-1] if project.runs else None)


def _training(project: Project, run: RunRecord | None) -> list[str]:
    config = (run.config if run is not None else project.training).to_dict()
    rows = [(name, _value(config[name])) for name in _relevant_settings(config)]
    lines = ["## Training", ""]
    if run is not None:
        origin = project.weights_origin
        which = ("the current weights come from it" if origin is not None
                 and origin.run == run.id else "the latest")
        lines += [f"The settings of run **{run.name or run.id}** ({which}):", ""]
    lines += _table(("Setting", "Value"), rows)
    return lines


def _results(run: RunRecord | None, chart_name: str | None) -> list[str]:
    lines = ["## Results", ""]
    if run is None:
        return lines + ["Not trained yet: there are no results to show.", ""]
    epochs = len(run.history.get("loss", []))
    when = f" on {run.created}" if run.created else ""
    where = f" on {run.device}" if run.device else ""
    lines += [f"Run **{run.name or run.id}**{when}: {epochs} epochs{where}, seed {run.seed}."
              + (f" {run.note}" if run.note else ""), ""]
    if run.final_metrics:
        rows = [(metric_label(name), format_metric_value(name, value))
                for name, value in run.final_metrics.items()]
        lines += _table(("Metric (final weights)", "Value"), rows, right=(1,))
    if chart_name:
        lines += [f"![Loss per epoch]({chart_name})", ""]
    return lines


# ---- the chart ---------------------------------------------------------------------------------

def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow before 10.1 has only the small bitmap font
        return ImageFont.load_default()


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering low..high."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.5:
        ticks.append(round(value, 12))
        value += step
    return ticks


def draw_loss_chart(history: dict[str, list[float]], size: tuple[int, int] = CHART_SIZE
                    ) -> Image.Image:
    """A line chart of the training (and validation) loss per epoch, with axes and a legend."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(15), _font(12)
    left, right, top, bottom = 70, width - 20, 40, height - 50
    curves = [(label, color, [v for v in history.get(key, [])])
              for key, label, color in _CURVES if history.get(key)]
    values = [v for _, _, series in curves for v in series if math.isfinite(v)]
    epochs = max((len(series) for _, _, series in curves), default=1)
    y_ticks = nice_ticks(min(values, default=0.0), max(values, default=1.0))
    y_low, y_high = y_ticks[0], y_ticks[-1]
    x_ticks = [int(t) for t in nice_ticks(1, max(epochs, 2), 6) if 1 <= t <= max(epochs, 1)] \
        or [1]

    def x_of(epoch: float) -> float:
        return left + (epoch - 1) / max(1, epochs - 1) * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - y_low) / (y_high - y_low) * (bottom - top)

    for tick in y_ticks:
        y = y_of(tick)
        draw.line([(left, y), (right, y)], fill=(232, 232, 232))
        label = f"{tick:g}"
        draw.text((left - 8, y), label, fill=(60, 60, 60), font=small, anchor="rm")
    for tick in x_ticks:
        x = x_of(tick)
        draw.line([(x, bottom), (x, bottom + 5)], fill=(60, 60, 60))
        draw.text((x, bottom + 8), str(tick), fill=(60, 60, 60), font=small, anchor="mt")
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=(60, 60, 60), width=1)
    draw.text(((left + right) / 2, height - 8), "epoch", fill=(30, 30, 30), font=font,
              anchor="mb")
    draw.text((left, 12), "Loss per epoch", fill=(30, 30, 30), font=font, anchor="lt")

    for label, color, series in curves:
        points = [(x_of(i + 1), y_of(v)) for i, v in enumerate(series) if math.isfinite(v)]
        if len(points) == 1:
            x, y = points[0]
            draw.ellipse([(x - 3, y - 3), (x + 3, y + 3)], fill=color)
        elif points:
            draw.line(points, fill=color, width=2, joint="curve")
    legend_x = right - 170
    for index, (label, color, _) in enumerate(curves):
        y = 14 + index * 18
        draw.line([(legend_x, y), (legend_x + 24, y)], fill=color, width=3)
        draw.text((legend_x + 30, y), label, fill=(30, 30, 30), font=small, anchor="lm")
    return image
