"""Run an emergence-lab example's own sweep and print its key numbers.

    .venv/bin/python benchmarks/emergence.py double_descent [--seeds N] [--epochs N]
    .venv/bin/python benchmarks/emergence.py mirage [--png PATH] [--screenshot PATH]

Trains the sweep the example suggests (its widths, seeds and epochs; the options override)
and prints per width the parameters, the training and test accuracy (means over the seeds) and,
for the mirage, the test exact match; then the interpolation threshold and the test-error peak
(double descent) and the wall time. --png writes the sweep's picture as `nnstudio sweep` does;
--screenshot shows the result in the app's Scale Sweep window and saves a picture of it.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from nnstudio.core.examples import example_project
from nnstudio.engine.sweep import run_sweep


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("example", choices=("double_descent", "mirage"))
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--widths", help="comma-separated, instead of the example's")
    parser.add_argument("--png")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    torch.set_num_threads(2)
    project = example_project(args.example)
    suggested = project.sweep
    widths = [int(w) for w in args.widths.split(",")] if args.widths else list(suggested.widths)
    started = time.perf_counter()
    result = run_sweep(project, widths, seeds=args.seeds or suggested.seeds,
                       epochs=args.epochs or suggested.epochs)
    seconds = time.perf_counter() - started
    exact = dict((s.size, s.values.get("test", (None,))[0])
                 for s in result.summary("exact_match"))
    print(f"{'width':>6} {'params':>8} {'train acc':>9} {'test acc':>9} {'test error':>10}"
          + ("  test exact match" if result.exact_match else ""))
    for summary in result.summary():
        train, test = summary.values["train"][0], summary.values["test"][0]
        line = (f"{summary.size.width:>6} {summary.parameters:>8} {train:>9.3f} {test:>9.3f} "
                f"{1 - test:>10.3f}")
        if result.exact_match:
            line += f"  {exact[summary.size]:>16.3f}"
        print(line)
    threshold = result.interpolation_threshold()
    if threshold is not None:
        print(f"interpolation threshold: {threshold.size.label} "
              f"({threshold.parameters} parameters)")
    if result.plots_error:
        peak = min(result.summary(), key=lambda s: s.values["test"][0])
        print(f"test-error peak: {peak.size.label} ({peak.parameters} parameters), error "
              f"{1 - peak.values['test'][0]:.3f}")
    print(f"{len(result.runs)} models in {seconds:.1f} s")
    if args.png:
        result.to_png(args.png)
    if args.screenshot:
        _screenshot(project, result, args.screenshot)


def _screenshot(project, result, path: str) -> None:
    """The result as the Scale Sweep window shows it, saved as a PNG."""
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.experiments.sweep_window import SweepWindow

    app = QApplication.instance() or QApplication([])
    window = SweepWindow(ProjectDocument(dataclasses.replace(project)))
    window.resize(1300, 820)
    window.show()
    window._on_task_succeeded(result)  # as when the window's own sweep ends
    for _ in range(20):
        app.processEvents()
    window.grab().save(path)
    window.shutdown()


if __name__ == "__main__":
    main()
