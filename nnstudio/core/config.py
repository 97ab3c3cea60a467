"""Training configuration: one table of settings drives the hyperparameter form, files and CLI."""

from __future__ import annotations

from typing import Any, Iterator

from nnstudio.core.params import BOOL, CHOICE, FLOAT, INT, ParamSpec, Schema

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("constant", "step", "cosine", "one_cycle", "plateau")
LOSSES = ("auto", "bce", "cross_entropy", "mse", "mae", "huber")
MONITORS = ("val_loss", "val_accuracy", "val_f1", "val_mse", "val_mae", "val_r2")
DEVICES = ("auto", "cpu", "cuda", *(f"cuda:{i}" for i in range(8)), "mps")

TRAINING_SCHEMA = Schema((
    ParamSpec("optimizer", CHOICE, "adam", choices=OPTIMIZERS,
              help="How weights move downhill: SGD follows the gradient; Adam adapts each step size."),
    ParamSpec("learning_rate", FLOAT, 0.01, minimum=1e-6, maximum=10.0, log_scale=True,
              help="The size of each step; too big diverges, too small crawls."),
    ParamSpec("momentum", FLOAT, 0.9, minimum=0.0, maximum=0.999,
              help="SGD and RMSprop: how much of the last step carries into the next."),
    ParamSpec("nesterov", BOOL, False, help="SGD: look ahead along the momentum before stepping."),
    ParamSpec("weight_decay", FLOAT, 0.01, minimum=0.0, maximum=1.0,
              help="AdamW only: shrink weights a little each step, apart from the gradient."),
    ParamSpec("schedule", CHOICE, "constant", choices=SCHEDULES,
              help="How the learning rate changes over the epochs."),
    ParamSpec("step_size", INT, 30, minimum=1, maximum=100_000,
              help="Step schedule: epochs between learning-rate cuts."),
    ParamSpec("gamma", FLOAT, 0.1, minimum=0.001, maximum=1.0,
              help="Step and plateau schedules: the factor the learning rate is multiplied by."),
    ParamSpec("plateau_patience", INT, 10, minimum=1, maximum=10_000,
              help="Plateau schedule: epochs without improvement before the rate is cut."),
    ParamSpec("batch_size", INT, 32, minimum=1, maximum=65_536, log_scale=True,
              help="Samples per weight update; smaller is noisier, larger is smoother."),
    ParamSpec("epochs", INT, 100, minimum=1, maximum=100_000,
              help="How many times training goes through all the training data."),
    ParamSpec("until_stopped", BOOL, False,
              help="Train on, epoch after epoch, until you press Pause or Stop (the window's "
                   "Train and Step); the epochs above still set run lengths elsewhere, such as "
                   "nnstudio train and the experiments."),
    ParamSpec("loss", CHOICE, "auto", choices=LOSSES,
              help="What training minimizes; 'auto' picks cross-entropy for classes, MSE for numbers."),
    ParamSpec("l1", FLOAT, 0.0, minimum=0.0, maximum=1.0,
              help="L1 penalty: pushes weights to exactly zero (a sparse network)."),
    ParamSpec("l2", FLOAT, 0.0, minimum=0.0, maximum=1.0,
              help="L2 penalty: keeps weights small, which fights overfitting."),
    ParamSpec("grad_clip", FLOAT, 0.0, minimum=0.0, maximum=1000.0,
              help="Caps the gradient's length at this value (0 = off); tames exploding steps."),
    ParamSpec("early_stopping", BOOL, False,
              help="Stop when the monitored validation metric stops improving."),
    ParamSpec("monitor", CHOICE, "val_loss", choices=MONITORS,
              help="The validation metric early stopping watches."),
    ParamSpec("patience", INT, 20, minimum=1, maximum=10_000,
              help="Early stopping: epochs without improvement before training stops."),
    ParamSpec("restore_best", BOOL, True,
              help="Early stopping: end with the weights of the best epoch, not the last."),
    ParamSpec("seed", INT, 0, minimum=0, maximum=2**31 - 1,
              help="Fixes the random start and batch order, so a run can be repeated exactly."),
    ParamSpec("device", CHOICE, "auto", choices=DEVICES,
              help="Where training runs: 'auto' takes a GPU when there is one."),
))

# Settings added in format 3: written to a project file only when on.
OPTIONAL_SETTINGS = ("until_stopped",)
# An "until stopped" run trains at most this many epochs (the project's limit on a history).
UNTIL_STOPPED_EPOCHS = 100_000
# Schedules that shape the rate over the run's last epoch, which a run until stopped lacks.
SCHEDULES_NEEDING_AN_END = ("cosine", "one_cycle")


def until_stopped_problem(config: TrainingConfig) -> str | None:
    """Why `config` cannot train until stopped, or None when it can (or does not ask to)."""
    if config.until_stopped and config.schedule in SCHEDULES_NEEDING_AN_END:
        return (f"training.until_stopped: the {config.schedule.replace('_', ' ')} schedule "
                f"shapes the rate up to the last epoch, and a run until stopped has none: "
                f"choose the constant, step or plateau schedule, or a number of epochs")
    return None


class TrainingConfig:
    """Validated, immutable training settings with attribute access (`config.learning_rate`)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any] | None = None, where: str = "training"):
        # Only None means "all defaults": a 0 or [] read from a file is an error, not defaults.
        values = {} if values is None else values
        object.__setattr__(self, "_values", TRAINING_SCHEMA.validate(values, where))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Reached only before __init__ has run (copy, introspection): never recurse.
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TrainingConfig is immutable; use replace()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrainingConfig) and other._values == self._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __repr__(self) -> str:
        return f"TrainingConfig({self._values!r})"

    def __copy__(self) -> TrainingConfig:
        return self  # immutable: a copy is the same value

    def __deepcopy__(self, memo: dict) -> TrainingConfig:
        return self

    def replace(self, **changes: Any) -> TrainingConfig:
        """A new config with `changes` applied; SpecError names a bad or unknown setting."""
        return TrainingConfig({**self._values, **changes})

    def get(self, name: str, default: Any = None) -> Any:
        """The setting's value, or `default` when there is no setting of that name."""
        return self._values.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        """Every setting, defaults included, as a plain dict for forms and comparisons."""
        return dict(self._values)

    def to_file_dict(self) -> dict[str, Any]:
        """The settings a project file holds: every setting, except the optional ones at their
        default, so files that never used them keep the bytes earlier versions wrote."""
        return {name: value for name, value in self._values.items()
                if not (name in OPTIONAL_SETTINGS and value == TRAINING_SCHEMA[name].default)}


def own_data_training() -> TrainingConfig:
    """The starting settings of a project made from a person's own data (`nnstudio new`, the
    import wizard): early stopping on, ending with the best epoch's weights, since a small table
    overfits within a few epochs and the last epoch is then rarely the best."""
    return TrainingConfig({"early_stopping": True, "restore_best": True})
