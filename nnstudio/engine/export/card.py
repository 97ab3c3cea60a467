"""A model card: one Markdown page that says what the network is, what it is for and not for,
what it learned from, how it was trained and how well it does, with its loss curves drawn as a
PNG beside it.

It follows the Model Cards paper (Mitchell et al., 2019) and Hugging Face's card format: YAML
front matter (tags, dataset, the test metrics as a model-index), then the sections. What no
number can say (intended use, out-of-scope use, limitations) is the person's own text, kept in
the project (core.card_text); until written, the card shows a prompt for it. The per-class
scores and confusion matrix are measured on the test split exactly as `nnstudio evaluate`
measures them. The chart is drawn with Pillow (a dependency already).
"""

from __future__ import annotations

import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import nnstudio
from nnstudio.core.card_text import SECTIONS
from nnstudio.core.errors import NNStudioError
from nnstudio.core.history import metric_columns
from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.metrics import REPORT_SPLITS, format_metric_value, metric_label, split_of
from nnstudio.core.project import Project, RunRecord
from nnstudio.core.shapes import format_shape, infer_shapes
from nnstudio.data.builtin import BUILTIN_DATASETS, BUNDLED
from nnstudio.data.classes import ClassLegend, color_name
from nnstudio.data.preprocessing import METHOD_HELP, PreparedData
from nnstudio.data.resources import resources_dir
from nnstudio.engine.export import write_export_file

CHART_SIZE = (720, 400)
_CURVES = (("loss", "training loss", (31, 119, 180)),
           ("val_loss", "validation loss", (255, 127, 14)))
_SHOWN_FEATURES = 24  # input names listed in full up to this many
_PIPELINE = {"binary": "tabular-classification", "multiclass": "tabular-classification",
             "regression": "tabular-regression"}
Weights = dict[str, np.ndarray]


@dataclass(frozen=True)
class CardData:
    """What the card reads from the project's data and weights; each part None when it could
    not be had (with `problem` saying why), so a card is written even without its data file."""

    prepared: PreparedData | None = None
    contract: Any = None  # an export.contract.InputContract
    evaluation: Any = None  # an engine.evaluate.Evaluation of the current weights on test
    problem: str = ""


def write_card(project: Project, out: str | Path, weights: Weights | None = None,
               project_path: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write the card `out` (.md) and, when the project has a run, `<stem>_loss.png` beside it.

    `weights` are the current ones (None: untrained), measured on the test split;
    `project_path` finds a data file. Returns the files written; NNStudioError if they cannot
    be written.
    """
    path = Path(out)
    run = card_run(project)
    chart = None
    if run is not None and run.history.get("loss"):
        chart = path.with_name(f"{path.stem}_loss.png")
    found = card_data(project, weights, project_path)
    text = card_markdown(project, found, run, chart.name if chart else None)
    write_export_file(path, text.encode("utf-8"), "the model card")
    if chart is not None:
        png = io.BytesIO()
        draw_loss_chart(run.history).save(png, "PNG")
        write_export_file(chart, png.getvalue(), "the model card's loss chart")
    return [path] + ([chart] if chart else [])


def card_data(project: Project, weights: Weights | None,
              project_path: str | os.PathLike[str] | None) -> CardData:
    """The project's prepared data, input contract and (with weights) test evaluation."""
    from nnstudio.data.source import prepare_project_data
    from nnstudio.engine.export.contract import input_contract

    try:
        prepared = prepare_project_data(project, project_path)
        contract = input_contract(project, project_path, raw_inputs=False)
    except NNStudioError as error:  # a missing data file must not stop the card
        return CardData(problem=str(error))
    evaluation = None
    if weights and prepared.test.n_samples:
        from nnstudio.engine.evaluate import evaluate
        from nnstudio.engine.modules import build_model
        from nnstudio.engine.weights import arrays_to_model

        model = build_model(project.network)
        arrays_to_model(model, weights)
        evaluation = evaluate(model, prepared.test, project.training.loss)
    return CardData(prepared, contract, evaluation)


def card_markdown(project: Project, found: CardData | None = None,
                  run: RunRecord | None = None, chart_name: str | None = None) -> str:
    """The card's Markdown text; `run` is the run whose results it shows (None: untrained)."""
    found = found or CardData()
    parts = _front_matter(project, found, run)
    parts += [f"# {project.name}", ""]
    if project.notes.strip():
        parts += [project.notes.strip(), ""]
    parts += [f"*Model card written by NN Studio {nnstudio.__version__}.*", ""]
    parts += _own_words(project)
    parts += _architecture(project)
    parts += _data(project, found)
    parts += _contract(found)
    parts += _training(project, run)
    parts += _results(run, chart_name)
    parts += _evaluation(found)
    parts += _spread(project, run)
    parts += _usage(project, found)
    return "\n".join(parts).rstrip("\n") + "\n"


# ---- sections ----------------------------------------------------------------------------------

def _yaml(value: Any) -> str:
    # JSON's scalars and quoted strings are YAML too: no quoting rules of our own.
    return json.dumps(value, ensure_ascii=False)


def _front_matter(project: Project, found: CardData, run: RunRecord | None) -> list[str]:
    """Hugging Face's card metadata: library, tags, dataset, and the test metrics."""
    source = project.data.source
    dataset = source.name if source.kind == "builtin" else Path(source.path or "data").name
    task = str(found.prepared.train.task) if found.prepared is not None else ""
    lines = ["---", "library_name: pytorch",
             f"tags: [{', '.join(_yaml(t) for t in ('nn-studio', task) if t)}]",
             f"datasets: [{_yaml(dataset)}]"]
    if task:
        lines.append(f"pipeline_tag: {_yaml(_PIPELINE[task])}")
    metrics = _test_metrics(found, run)
    if metrics and task:
        lines += ["model-index:", f"- name: {_yaml(project.name)}", "  results:",
                  f"  - task: {{type: {_yaml(_PIPELINE[task])}}}",
                  f"    dataset: {{name: {_yaml(dataset)}, type: {_yaml(dataset)}, "
                  f"split: \"test\"}}", "    metrics:"]
        lines += [f"    - {{type: {_yaml(name)}, value: {_yaml(round(value, 6))}, name: "
                  f"{_yaml('test ' + metric_label(name))}}}" for name, value in metrics.items()]
    return lines + ["---", ""]


def _test_metrics(found: CardData, run: RunRecord | None) -> dict[str, float]:
    """The test split's metrics: measured now on the current weights, else the run's."""
    if found.evaluation is not None:
        values = found.evaluation.metrics
    elif run is not None:
        values = {name[len("test_"):]: value for name, value in run.final_metrics.items()
                  if name.startswith("test_")}
    else:
        values = {}
    return {name: float(v) for name, v in values.items() if math.isfinite(v)}


def _own_words(project: Project) -> list[str]:
    lines = []
    for key, (heading, prompt) in SECTIONS.items():
        text = getattr(project.card, key).strip()
        lines += [f"## {heading}", ""]
        lines += [text, ""] if text else [
            f"*To fill in: {prompt} (write it in NN Studio's Export → Model Card dialog, "
            "which keeps it in the project.)*", ""]
    return lines


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


def _data(project: Project, found: CardData) -> list[str]:
    data = project.data
    source = data.source
    lines = ["## Data", ""]
    if source.kind == "builtin" and source.name in BUILTIN_DATASETS:
        entry = BUILTIN_DATASETS[source.name]
        params = ", ".join(f"{k} {v}" for k, v in source.params.items())
        lines += [f"**{entry.display_name}**, NN Studio's built-in dataset"
                  + (f" ({params}, seed {source.seed})" if params else "") + ".",
                  "", entry.description, ""]
        lines += _provenance(entry)
    elif source.kind == "builtin":
        lines += [f"NN Studio's built-in dataset `{source.name}`.", ""]
    else:
        lines += [f"The file `{source.path}` ({source.format or 'file'}, sha256 "
                  f"`{source.sha256[:16]}…`). Its source and licence: *to fill in*.", ""]
    prepared = found.prepared
    if prepared is None:
        return lines + [f"The data could not be read when this card was written "
                        f"({found.problem}), so sample counts and scores are missing.", ""]
    train = prepared.train
    task = {"binary": "two classes", "multiclass": f"{train.n_classes} classes",
            "regression": "predicting numbers"}[str(train.task)]
    legend = ClassLegend.of(train)  # label order and colours as NN Studio shows them
    classes = (" Classes (label: name, colour in NN Studio): " + ", ".join(
        f"{k}: {legend.name(k)} ({color_name(k)} {legend.color(k)})"
        for k in range(len(legend))) + "." if len(legend) else "")
    counts = {split: getattr(prepared, split).n_samples for split in REPORT_SPLITS}
    lines += [f"{sum(counts.values()):,} samples shaped {format_shape(train.input_shape)}; "
              f"task: {task}.{classes}", ""]
    lines += _table(("Split", "Samples", "Share"),
                    [(split, f"{n:,}", f"{n / max(1, sum(counts.values())):.0%}")
                     for split, n in counts.items()], right=(1, 2))
    stratified = ", stratified by class" if train.class_names else ""
    lines += [f"Split with seed {data.split_seed}{stratified}. Preprocessing: "
              f"**{data.preprocessing}**: {_scaling_text(prepared)}", ""]
    return lines


def _scaling_text(prepared: PreparedData) -> str:
    """METHOD_HELP's sentence, except where one mean and spread cover every input (images)."""
    preprocessor = prepared.preprocessor
    shift = preprocessor.shift
    if not preprocessor.scales_inputs or shift is None or np.ndim(shift) > 0:
        return METHOD_HELP[preprocessor.method]
    what = {"standardize": "mean 0 and standard deviation 1",
            "minmax": "the range 0 to 1"}[preprocessor.method]
    return (f"Shift and scale all inputs together to {what}: one shift "
            f"({float(shift):.6g}) and one scale ({float(preprocessor.scale):.6g}) for every "
            f"pixel, measured on the training split.")


def _provenance(entry: Any) -> list[str]:
    """Source and licence of a bundled dataset, from the bundled datasets' README; a
    generated dataset's own line otherwise."""
    if entry.kind != BUNDLED:
        return ["Source: generated by NN Studio from its seed (no third-party data; no "
                "licence applies).", ""]
    found = bundled_provenance(entry.key)
    if not found:
        return []
    return [f"- **{name}**: {text}" for name, text in found.items()] + [""]


def bundled_provenance(key: str) -> dict[str, str]:
    """{"Source": ..., "Licence": ..., "Cite": ...} of bundled dataset `key`, read from
    resources/datasets/README.md (one "## <file>" section per dataset, "- **Name**: text"
    bullets); {} when the README or the section is missing."""
    try:
        text = (resources_dir() / "datasets" / "README.md").read_text(encoding="utf-8")
    except OSError:
        return {}
    bullets: dict[str, str] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip().split(".")[0]
        elif section == key and line.startswith("- **") and "**:" in line:
            name, _, rest = line[4:].partition("**:")
            bullets[name] = rest.strip()
            last = name
        elif section == key and line.startswith("  ") and bullets:
            bullets[last] += " " + line.strip()
    return {name: bullets[name] for name in ("Source", "Licence", "Cite") if name in bullets}


def _contract(found: CardData) -> list[str]:
    """What an exported file takes and gives: inputs in order, the scaling, the outputs."""
    contract = found.contract
    if contract is None:
        return []
    lines = ["## Input contract", "",
             "The ONNX and TorchScript exports take a batch of samples, batch first. "
             f"{contract.inputs_sentence()}", ""]
    names = list(contract.input_names)
    shown = ", ".join(f"`{n}`" for n in names[:_SHOWN_FEATURES])
    more = f", … ({len(names)} in all; every name is in the file's metadata)" \
        if len(names) > _SHOWN_FEATURES else ""
    lines += [f"Inputs, shaped {format_shape(contract.input_shape)} per sample, in this "
              f"order: {shown}{more}.", ""]
    scaling = contract.preprocessor.to_dict()
    if "shift" in scaling:
        shift, scale = scaling["shift"], scaling["scale"]
        if len(shift) == 1:
            lines += [f"Scaling ({scaling['method']}): (x − {shift[0]:.6g}) / {scale[0]:.6g}, "
                      "the same for every input.", ""]
        else:
            rows = [(f"`{n}`", f"{a:.6g}", f"{b:.6g}")
                    for n, a, b in zip(contract.feature_names, shift, scale)]
            lines += [f"Scaling ({scaling['method']}): (x − shift) / scale per input, fitted "
                      "on the training split:", ""]
            lines += _table(("Input", "Shift", "Scale"), rows[:_SHOWN_FEATURES], right=(1, 2))
    if contract.class_names:
        lines += ["Output: one probability per class, in this order: "
                  + ", ".join(f"{i}: {name}" for i, name in enumerate(contract.class_names))
                  + (" (a single output is the probability of class 1)."
                     if len(contract.class_names) == 2 else "."), ""]
    else:
        lines += ["Output: the predicted value(s) in the target's own units.", ""]
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
        named = {_by_split(name): value for name, value in run.final_metrics.items()}
        rows = [(metric_label(name), format_metric_value(name, named[name]))
                for name in metric_columns([named])]  # by split, in the usual order
        lines += _table(("Metric (final weights)", "Value"), rows, right=(1,))
    if chart_name:
        lines += [f"![Loss per epoch]({chart_name})", ""]
    return lines


def _by_split(name: str) -> str:
    """A run record's metric name with its split: its history names the training split's
    metrics without a prefix ("loss" is "train_loss")."""
    return name if split_of(name) else f"train_{name}"


def _evaluation(found: CardData) -> list[str]:
    """Per-class scores and the confusion matrix of the current weights on the test split,
    as `nnstudio evaluate` gives them."""
    from nnstudio.engine.metrics import per_class_scores

    evaluation = found.evaluation
    if evaluation is None or evaluation.confusion is None:
        return []
    names = list(evaluation.class_names) or [str(i) for i in range(len(evaluation.confusion))]
    lines = ["## Evaluation per class", "",
             f"The current weights on the test split ({evaluation.samples:,} samples), as "
             "`nnstudio evaluate` measures them:", ""]
    rows = [(score["class"], f"{score['precision']:.3f}", f"{score['recall']:.3f}",
             f"{score['f1']:.3f}", str(score["support"]))
            for score in per_class_scores(evaluation.confusion, names)]
    lines += _table(("Class", "Precision", "Recall", "F1", "Support"), rows,
                    right=(1, 2, 3, 4))
    lines += ["Confusion matrix (rows: true class, columns: predicted):", ""]
    lines += _table(("true \\ predicted", *names),
                    [(name, *map(str, row)) for name, row in
                     zip(names, evaluation.confusion.tolist())], right=tuple(
                        range(1, len(names) + 1)))
    return lines


def _spread(project: Project, run: RunRecord | None) -> list[str]:
    """The final metrics over the project's runs of the same network and settings, which
    differ only in their seed: how much of a result is the luck of one seed."""
    if run is None:
        return []
    network, config = run.network.to_dict(), run.config.replace(seed=0)
    same = [r for r in project.runs if r.final_metrics and r.network.to_dict() == network
            and r.config.replace(seed=0) == config]
    lines = ["## Spread over seeds", ""]
    if len(same) < 2:
        return lines + ["Only one run of this network with these settings: train it with "
                        "other seeds (`nnstudio train --seed N`, or Experiments → Scale "
                        "Sweep) to see how much a result depends on the seed.", ""]
    seeds = ", ".join(str(r.seed) for r in same)
    values_of = {_by_split(name): np.array([r.final_metrics[name] for r in same], dtype=float)
                 for name in run.final_metrics if all(name in r.final_metrics for r in same)}
    rows = []
    for name in metric_columns([values_of]):  # by split, in the usual order
        values = values_of[name]
        if not np.isfinite(values).all():
            continue
        sd = values.std(ddof=1)
        rows.append((metric_label(name), format_metric_value(name, float(values.mean())),
                     f"{sd:.2g}", format_metric_value(name, float(values.min())),
                     format_metric_value(name, float(np.median(values))),
                     format_metric_value(name, float(values.max()))))
    lines += [f"{len(same)} runs of this network and settings, seeds {seeds}:", ""]
    return lines + _table(("Metric", "Mean", "SD", "Min", "Median", "Max"), rows,
                          right=(1, 2, 3, 4, 5))


def _usage(project: Project, found: CardData) -> list[str]:
    """A few lines that run the ONNX export in onnxruntime on data in its own units."""
    contract = found.contract
    if contract is None:
        return []
    shape = ", ".join(str(n) for n in contract.input_shape)
    lines = ["## How to use", "",
             "Export the model as ONNX (Export → ONNX Model…, or `nnstudio export PROJECT "
             "-f onnx -o model.onnx`), then:", "", "```python",
             "import numpy as np",
             "import onnxruntime as ort", "",
             'session = ort.InferenceSession("model.onnx")',
             f"x = np.zeros((1, {shape}), dtype=np.float32)  # your rows, in the data's own "
             "units and the input order above",
             'output = session.run(None, {"input": x})[0]']
    if contract.class_names:
        names = ", ".join(_yaml(n) for n in contract.class_names)
        lines += [f"classes = [{names}]",
                  "predicted = [classes[int(p > 0.5)] for p in output[:, 0]]"
                  if len(contract.class_names) == 2 and _single_output(project)
                  else "predicted = [classes[i] for i in output.argmax(axis=1)]"]
    return lines + ["```", ""]


def _single_output(project: Project) -> bool:
    """True when the network gives two classes as one probability (of class 1)."""
    node = project.network.output_node()
    info = infer_shapes(project.network).nodes.get(node.id) if node is not None else None
    return info is not None and info.shape is not None and int(np.prod(info.shape)) == 1


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
