"""What the live inspection views cost training, in one process, offscreen.

Two windows train the same example project with the window's Train action, in interleaved rounds
(which of none and views goes first alternates from round to round):

- none: a window with the training part only (no inspection views installed);
- views: a window with every live panel of the panel table (`LIVE_PANELS`, so a view added
  to the table is included) open, each floating in its own visible dock,
  refreshed live from the running training;
- hidden (reported too): the same window with every view's dock closed.

Weights are reset before each run so every run starts from the same fresh weights. Prints the
training throughput (samples/s, from the click to `run_finished`), the ratios views ÷ none and
hidden ÷ none, each the median of the rounds' ratios (target: views ÷ none ≥ 0.9), how much
more of the GUI thread's time the views take, and how many times the views redrew per second of
training (they must be live, not idle). The CPU ratio is the process's CPU time per sample
without views ÷ with them (all threads): the views' whole cost, steadier than wall-clock time
on a busy machine, and an upper bound of the slowdown where the GUI thread has its own core.

    python benchmarks/bench_views.py            # spiral, digits_mlp and digits_cnn, 5 rounds
    python benchmarks/bench_views.py --quick    # runs a quarter as long, 1 round
    python benchmarks/bench_views.py --each     # also each panel's own GUI-thread CPU share
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WORKLOADS = ("spiral", "digits_mlp", "digits_cnn")
# Each run trains this long (the epochs are chosen from a warm-up run): long enough for the
# views to redraw live many times, so the ratio measures their steady cost, not the noise of
# a run as short as the examples' own (spiral 500 epochs, digits MLP 40: 0.2-0.5 s here).
RUN_SECONDS = 3.0


TRAINING_PANELS = ("dataset_dock", "hyperparameters_dock", "metrics_dock")


def live_names() -> tuple[str, ...]:
    """The docks of the panel table's live panels (a view added to the table is included)."""
    from nnstudio.gui.panels.table import LIVE_PANELS

    return tuple(entry.object_name for entry in LIVE_PANELS)


def make_window(project, with_views: bool):
    from PySide6.QtCore import QSettings

    from nnstudio.gui.composition import build_window
    from nnstudio.gui.document import ProjectDocument

    settings = QSettings(os.path.join(tempfile.mkdtemp(), "settings.ini"),
                         QSettings.Format.IniFormat)
    views = live_names() if with_views else ()
    window = build_window(ProjectDocument(project), settings, panels=TRAINING_PANELS + views)
    window.resize(1440, 900)
    window.show()
    show_training_part(window)
    return window


def show_training_part(window) -> None:
    """The training docks floating at one size, so the training part draws alike in both
    windows (their layouts differ: in the smaller one the metrics dock may even stay closed);
    its cost is not the views'."""
    for index, name in enumerate(TRAINING_PANELS):
        dock = window.panel_docks[name]
        dock.setFloating(True)
        dock.resize(560, 360)
        dock.move(760 + 40 * index, 40 * index)
        dock.show()


def inspection_docks(window) -> list:
    return [window.panel_docks[name] for name in live_names()]


def open_every_view(window, only: tuple[str, ...] = ()) -> None:
    """Each inspection dock (or those named in `only`) floating and shown, so no view hides
    behind a tab; the others closed."""
    for index, dock in enumerate(inspection_docks(window)):
        if only and dock.objectName() not in only:
            dock.hide()
            continue
        dock.setFloating(True)
        dock.resize(640, 480)
        dock.move(40 * index, 40 * index)
        dock.show()


def close_every_view(window) -> None:
    for dock in inspection_docks(window):
        dock.hide()


def train(window) -> tuple[float, int, float]:
    """One run with the Train action: (seconds from the click to the end, samples trained,
    CPU seconds this process spent meanwhile, all threads). `train.gui_cpu` keeps the GUI
    thread's own CPU seconds of the run."""
    from PySide6.QtCore import QEventLoop

    controller = window.training.controller
    controller.reset_weights()
    loop = QEventLoop()
    ends = []

    def finished(end) -> None:
        ends.append((time.perf_counter(), end))
        loop.quit()

    controller.run_finished.connect(finished)
    cpu = time.process_time()
    gui_cpu = time.thread_time()
    started = time.perf_counter()
    window.training.train_action.trigger()
    loop.exec()
    train.gui_cpu = time.thread_time() - gui_cpu
    cpu = time.process_time() - cpu
    controller.run_finished.disconnect(finished)
    stopped, end = ends[0]
    if end.outcome.failed:
        raise SystemExit(f"the run failed: {end.outcome.message}")
    return stopped - started, end.outcome.samples, cpu


def settle(window, seconds: float = 0.3) -> None:
    """Let queued redraws finish before the next round."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(key: str, rounds: int, quick: bool, only: tuple[str, ...] = ()) -> dict:
    from nnstudio.core.examples import example_project

    project = example_project(key)
    project.training = project.training.replace(device="cpu", early_stopping=False)
    plain = make_window(project, with_views=False)
    viewed = make_window(project, with_views=True)
    panels = [panel for name, panel in viewed.panels.items()
              if name in live_names() and (not only or name in only)]
    epochs = set_run_length((plain, viewed), quick)
    open_every_view(viewed, only)
    train(viewed)
    rates = {"none": [], "views": [], "hidden": []}
    cpu = {"none": [], "views": []}  # CPU seconds per sample
    gui = {"none": [], "views": []}  # the GUI thread's CPU seconds per second
    redraws_per_second = []

    def without_views() -> None:
        settle(plain)
        seconds, samples, used = train(plain)
        rates["none"].append(samples / seconds)
        cpu["none"].append(used / samples)
        gui["none"].append(train.gui_cpu / seconds)

    def with_views() -> None:
        open_every_view(viewed, only)
        settle(viewed)
        before = sum(panel.redraws for panel in panels)
        seconds, samples, used = train(viewed)
        rates["views"].append(samples / seconds)
        cpu["views"].append(used / samples)
        gui["views"].append(train.gui_cpu / seconds)
        redraws_per_second.append((sum(p.redraws for p in panels) - before) / seconds)

    for round_ in range(rounds):
        # Which of the two goes first alternates: on a busy machine the run that follows
        # another is measurably faster or slower, and that must not favour either.
        for run in ((without_views, with_views) if round_ % 2 == 0
                    else (with_views, without_views)):
            run()
        close_every_view(viewed)
        settle(viewed)
        seconds, samples, _ = train(viewed)
        rates["hidden"].append(samples / seconds)
    for window in (plain, viewed):
        window.document.undo_stack.setClean()
        window.document._unsaved = False
        window.close()
    # Ratios of the runs of one round (a few seconds apart): the machine's load drifts, and
    # a ratio of medians taken over minutes would measure the drift.
    ratios = [v / n for v, n in zip(rates["views"], rates["none"])]
    return {"key": key, "epochs": epochs, "panels": len(panels),
            **{name: statistics.median(values) for name, values in rates.items()},
            "ratio": statistics.median(ratios), "best_ratio": max(ratios),
            "hidden_ratio": statistics.median(
                h / n for h, n in zip(rates["hidden"], rates["none"])),
            "cpu_ratio": statistics.median(n / v for n, v in zip(cpu["none"], cpu["views"])),
            "gui_extra": statistics.median(v - n for v, n in zip(gui["views"], gui["none"])),
            "redraws_per_s": statistics.median(redraws_per_second)}


def gui_share_per_panel(key: str, quick: bool) -> dict[str, float]:
    """Each panel open alone: the GUI thread's CPU seconds per second of training (and with
    none open), the views' own cost whatever the machine's load."""
    from nnstudio.core.examples import example_project

    project = example_project(key)
    project.training = project.training.replace(device="cpu", early_stopping=False)
    window = make_window(project, with_views=True)
    close_every_view(window)
    set_run_length((window,), quick)
    shares = {}
    for name in ("", *live_names()):
        if name:
            open_every_view(window, (name,))
        else:
            close_every_view(window)
        settle(window)
        train(window)  # this panel's first drawing is not part of the measure
        seconds, _, _ = train(window)
        shares[name or "none"] = train.gui_cpu / seconds
    window.document.undo_stack.setClean()
    window.document._unsaved = False
    window.close()
    return shares


def set_run_length(windows, quick: bool) -> int:
    """Train the first window twice (the warm-up: imports, first optimizer steps, first
    redraws; then its pace) and give every window the epochs of a run of RUN_SECONDS (a
    quarter if `quick`) at that pace; returns the epochs."""
    train(windows[0])
    seconds, samples, _ = train(windows[0])
    project = windows[0].document.project
    per_epoch = samples / project.training.epochs
    epochs = max(1, round(RUN_SECONDS / (4 if quick else 1) * samples / seconds / per_epoch))
    for window in windows:
        window.document.set_training_config(project.training.replace(epochs=epochs))
    return epochs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="runs a quarter as long, 1 round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--each", action="store_true",
                        help="also: each panel alone, the GUI thread's CPU share")
    parser.add_argument("--panels", default="",
                        help="only these docks open, e.g. network_dock,boundary_dock "
                             "(default: every registered panel)")
    args = parser.parse_args(argv)
    only = tuple(name for name in args.panels.split(",") if name)
    rounds = args.rounds or (1 if args.quick else 5)

    from nnstudio.gui.app import make_application
    from nnstudio.gui.panels.table import LIVE_PANELS

    make_application()
    rows = [measure(key, rounds, args.quick, only) for key in args.workloads.split(",")]
    names = ", ".join(panel.title for panel in LIVE_PANELS
                      if not only or panel.object_name in only)
    print(f"Training with the inspection views open and live ({names}) against none, "
          f"offscreen, {rounds} round(s), median samples/s, {os.cpu_count()} CPU cores")
    print(f"{'workload':<12}{'epochs':>7}{'none/s':>10}{'views/s':>10}{'hidden/s':>10}"
          f"{'views÷none':>12}{'best':>7}{'hidden÷none':>13}{'CPU ratio':>11}{'GUI +':>7}"
          f"{'redraws/s':>11}")
    worst = float("inf")
    for row in rows:
        worst = min(worst, row["ratio"])
        print(f"{row['key']:<12}{row['epochs']:>7}{row['none']:>10,.0f}{row['views']:>10,.0f}"
              f"{row['hidden']:>10,.0f}{row['ratio']:>12.3f}{row['best_ratio']:>7.3f}"
              f"{row['hidden_ratio']:>13.3f}{row['cpu_ratio']:>11.3f}{row['gui_extra']:>7.3f}"
              f"{row['redraws_per_s']:>11.1f}")
    print("(samples/s: medians; ratios: medians of each round's runs; GUI +: the GUI thread's "
          "CPU seconds per second with the views minus without)")
    met = worst >= 0.9
    print("target: views/none >= 0.9 on every workload:", "met" if met else "NOT met")
    if args.each:
        print("GUI thread's CPU seconds per second of training, each panel open alone:")
        for key in args.workloads.split(","):
            shares = gui_share_per_panel(key, args.quick)
            print(f"  {key:<11}" + "  ".join(f"{name.removesuffix('_dock')} {share:.3f}"
                                          for name, share in shares.items()))
    print("RESULT " + json.dumps({"headline": f"views/none {worst:.2f} worst (target >= 0.9)",
                                  "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
