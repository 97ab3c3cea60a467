"""`nnstudio --self-test`: the smoke test every bundle runs before it ships.

It walks the path a first-time user takes, in the installed app itself: the main window opens,
an example project (with a dataset read from the bundled resources) loads, one epoch trains,
the model exports to ONNX and TorchScript (each checked against PyTorch, so onnxruntime and
torch.jit must work in the bundle), the project is saved to a temporary folder and opened
again, and the reopened network and weights must equal what was saved. Each step prints one
line as it passes; the first failure prints one line, `self-test failed: <step>: <why>`, and
the exit status is 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtWidgets import QApplication

from nnstudio.data.resources import examples_dir

# Convolutions, pooling, a dense layer, softmax, and a dataset from resources/datasets: the
# example that touches the most of what a bundle has to carry, and still trains in a second.
EXAMPLE = "digits_cnn"


class SelfTestFailed(Exception):
    """A step that did not do what it should; the message says what was seen."""


def run(window: Any, example: str = EXAMPLE, out: Callable[[str], None] | None = None) -> int:
    """Run every step against `window` (the app's main window); 0 when all pass, else 1.

    `window` needs `show()`, `isVisible()` and `document` (the ProjectDocument). Lines go to
    `out` (default: passes to stdout, the failure to stderr).
    """
    say = out or _print
    fail = out or _print_error
    checker = _SelfTest(window, example, say)
    step = "start"
    try:
        with tempfile.TemporaryDirectory(prefix="nnstudio-self-test-") as folder:
            for step, action in checker.steps(Path(folder)):
                detail = action()
                say(f"self-test: {step}: ok" + (f" ({detail})" if detail else ""))
    except Exception as error:  # any failure, ours or a library's, is one line and status 1
        message = str(error) or type(error).__name__
        if not isinstance(error, SelfTestFailed):
            message = f"{type(error).__name__}: {message}"
        fail(f"self-test failed: {step}: {_one_line(message)}")
        return 1
    say(f"self-test passed in {time.perf_counter() - checker.started:.1f} s")
    return 0


class _SelfTest:
    def __init__(self, window: Any, example: str, say: Callable[[str], None]):
        self.window, self.example, self.say = window, example, say
        self.started = time.perf_counter()
        self.document: Any = None
        self.trained: dict[str, Any] = {}
        self.saved_network: dict[str, Any] = {}
        self.saved_training: dict[str, Any] = {}
        self.path: Path | None = None

    def steps(self, folder: Path):
        yield "window opens", self.open_window
        yield "example loads", self.load_example
        yield "one epoch trains", self.train
        yield "model exports to ONNX and TorchScript", lambda: self.export(folder / "exports")
        yield "project saves", lambda: self.save(folder / "project")
        yield "project reopens", self.reopen
        yield "reopened network and weights equal the saved ones", self.compare

    def open_window(self) -> str:
        self.window.show()
        QApplication.processEvents()
        if not self.window.isVisible():
            raise SelfTestFailed("the main window did not become visible")
        self.document = getattr(self.window, "document", None)
        if self.document is None:
            raise SelfTestFailed("the main window has no project document")
        return f"{QApplication.platformName()} platform"

    def load_example(self) -> str:
        # The shipped file, not the in-code copy: this checks that the install carries it.
        path = examples_dir() / f"{self.example}.nnstudio"
        if not path.is_file():
            raise SelfTestFailed(f"{path}: the example project is missing from this install")
        message = self.document.open(path)
        if message:
            raise SelfTestFailed(message)
        QApplication.processEvents()
        nodes = len(self.document.network.nodes)
        if nodes == 0:
            raise SelfTestFailed(f"{path}: the example has no layers")
        return f"{self.example}, {nodes} layers, {path}"

    def train(self) -> str:
        from nnstudio.data.source import prepare_project_data
        from nnstudio.engine.trainer import fit

        project = self.document.project
        data = prepare_project_data(project, self.document.path)
        config = project.training.replace(epochs=1, device="cpu", early_stopping=False)
        result = fit(self.document.network, data, config)
        if result.epochs_run != 1:
            raise SelfTestFailed(f"trained {result.epochs_run} epochs, expected 1")
        loss = result.history.get("loss", [float("nan")])[-1]
        if not loss == loss:  # NaN
            raise SelfTestFailed("the training loss is not a number")
        if not result.weights:
            raise SelfTestFailed("training returned no weights")
        self.document.set_weights(result.weights)
        self.trained = {key: value.copy() for key, value in result.weights.items()}
        QApplication.processEvents()
        return f"loss {loss:.4f}, {data.train.n_samples} samples, {result.seconds:.2f} s"

    def export(self, folder: Path) -> str:
        from nnstudio.engine.export import export

        folder.mkdir()
        written = []
        for fmt, suffix in (("onnx", ".onnx"), ("torchscript", ".pt")):
            result = export(self.document.project, self.document.weights, fmt,
                            folder / f"{self.example}{suffix}")
            written.append(f"{result.path.name} {result.path.stat().st_size} bytes")
        return ", ".join(written)

    def save(self, folder: Path) -> str:
        folder.mkdir()
        self.path = folder / f"{self.example}.nnstudio"
        message = self.document.save(self.path)
        if message:
            raise SelfTestFailed(message)
        self.saved_network = self.document.network.to_dict()
        self.saved_training = self.document.project.training.to_dict()
        files = sorted(p.name for p in folder.rglob("*") if p.is_file())
        return ", ".join(files)

    def reopen(self) -> str:
        # A fresh project first, so the comparison cannot pass on what is still in memory.
        self.document.new_from_example("empty")
        if self.document.weights:
            raise SelfTestFailed("the weights stayed after switching to a new project")
        message = self.document.open(self.path)
        if message:
            raise SelfTestFailed(message)
        QApplication.processEvents()
        return str(self.path)

    def compare(self) -> str:
        if self.document.network.to_dict() != self.saved_network:
            raise SelfTestFailed("the reopened network differs from the saved one")
        if self.document.project.training.to_dict() != self.saved_training:
            raise SelfTestFailed("the reopened training settings differ from the saved ones")
        reopened = self.document.weights or {}
        if set(reopened) != set(self.trained):
            missing = sorted(set(self.trained) - set(reopened))
            extra = sorted(set(reopened) - set(self.trained))
            raise SelfTestFailed(f"weight tensors differ: missing {missing}, unexpected {extra}")
        for key, array in self.trained.items():
            other = reopened[key]
            if other.shape != array.shape or other.dtype != array.dtype:
                raise SelfTestFailed(f"{key}: reopened as {other.dtype}{list(other.shape)}, "
                                     f"saved as {array.dtype}{list(array.shape)}")
            if not (other == array).all():
                raise SelfTestFailed(f"{key}: the reopened values differ from the saved ones")
        values = sum(int(array.size) for array in self.trained.values())
        return f"{len(self.trained)} tensors, {values} values"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# A windowed Windows app has no console: sys.stdout and sys.stderr are None there, and print()
# does nothing (nnstudio-cli.exe is the one that shows these lines).
def _print(line: str) -> None:
    print(line, flush=True)


def _print_error(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
