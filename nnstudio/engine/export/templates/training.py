'''Training pieces of the exported script: objective, metrics, schedules, distributed set-up and
the loop. Each mirrors `nnstudio.engine` (losses, metrics, optim, trainer) step for step, so that
on the same device, with the same number of threads, the script's losses equal the app's. The
script holds only the pieces its project uses; `$name` marks what nnstudio.engine.export.script
fills in.'''

# ---- the objective (mirror nnstudio/engine/losses.py), one version per loss --------------------
# Each defines loss_targets(y), loss_values(logits), loss_function(values, targets) and, for
# classes, predicted_classes(values).

TARGETS = {
    "cross_entropy": "return y.long()",
    "bce": "return y.float().reshape(-1, 1)",
    "one_hot": "return F.one_hot(y.long(), $outputs).float()",
    "column": "return y.float().reshape(-1, 1)",
    "regression": "return y.float().reshape(y.shape[0], -1)",
}

LOSS_CALLS = {
    "bce": "F.binary_cross_entropy_with_logits(values, targets)",
    "cross_entropy": "F.cross_entropy(values, targets)",
    "mse": "F.mse_loss(values, targets)",
    "mae": "F.l1_loss(values, targets)",
    "huber": "F.huber_loss(values, targets)",
}

OBJECTIVE = '''
def loss_targets(y):
    """Targets in the form the loss compares against."""
    $targets


def loss_values(logits):
    """What the loss compares: $values_doc."""
    return $values


def loss_function(values, targets):
    """$loss_name, averaged over the batch."""
    return $loss_call
'''

PREDICTED_SINGLE = '''

def predicted_classes(values):
    """Class 1 where the output is above $threshold, else class 0."""
    return (values[:, 0] > $threshold).long()
'''

PREDICTED_MANY = '''

def predicted_classes(values):
    """The class with the largest output."""
    return values.argmax(dim=1)
'''

# ---- metrics (mirror nnstudio/engine/metrics.py) -----------------------------------------------
# Metrics come from sums (a confusion matrix, or error sums), so the processes of a distributed
# run add theirs up with one all_reduce. `truth` is the class of each sample, or its target.

CLASSIFICATION_METRICS = '''
def metric_sums(values, truth):
    """A confusion matrix (row = true class, column = predicted) of a batch or a split."""
    flat = truth.reshape(-1).long() * CLASSES + predicted_classes(values).reshape(-1).long()
    return torch.bincount(flat, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def metrics_from_sums(confusion, count):
    """Accuracy, precision, recall and F1 (`count` is the matrix's total). Two classes: those
    of class 1; more: their average over the classes that occur."""
    confusion = confusion.cpu().numpy().astype(np.float64)
    true_positive = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = divide(true_positive, predicted)
    recall = divide(true_positive, actual)
    f1 = divide(2 * precision * recall, precision + recall)
    total = confusion.sum()
    accuracy = float(true_positive.sum() / total) if total else 0.0
    if len(confusion) == 2:
        return {"accuracy": accuracy, "precision": float(precision[1]),
                "recall": float(recall[1]), "f1": float(f1[1])}
    present = (predicted + actual) > 0
    if not present.any():
        return {"accuracy": accuracy, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {"accuracy": accuracy, "precision": float(precision[present].mean()),
            "recall": float(recall[present].mean()), "f1": float(f1[present].mean())}


def divide(numerator, denominator):
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
'''

REGRESSION_METRICS = '''
def metric_sums(values, truth):
    """Per target column: squared error, absolute error, target and target squared, summed."""
    predicted = values.detach().double().reshape(truth.shape[0], -1)
    truth = truth.double().reshape(truth.shape[0], -1)
    error = predicted - truth
    return torch.stack(((error * error).sum(0), error.abs().sum(0), truth.sum(0),
                        (truth * truth).sum(0)))


def metrics_from_sums(sums, count):
    """MSE, MAE and R² of `count` samples from their sums, averaged over the target columns."""
    squared, absolute, total, total_squared = sums.cpu().numpy()
    n = float(count)
    variance_sum = total_squared - total * total / n
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(variance_sum > 0,
                      1.0 - squared / np.where(variance_sum > 0, variance_sum, 1.0), 0.0)
    return {"mse": float(squared.mean() / n), "mae": float(absolute.mean() / n),
            "r2": float(r2.mean())}
'''

# ---- learning-rate schedules (mirror nnstudio/engine/optim.py), one per kind -------------------

SCHEDULES = {
    "step": '''
def learning_rate(base, epoch):
    """Step schedule: the rate times $gamma every $step_size epochs."""
    return base * $gamma ** (epoch // $step_size)
''',
    "cosine": '''
def learning_rate(base, progress):
    """Cosine schedule, set at every batch: from the rate down to 0 as progress goes 0 to 1."""
    return base * (0.5 * (1.0 + math.cos(math.pi * progress)))
''',
    "one_cycle": '''
def learning_rate(base, progress):
    """One-cycle schedule, set at every batch: warm up from 1/25 of the rate over the first 30%
    of the run, then anneal to 1/25 / 1e4 of it."""
    if progress < 0.3:
        return base * cosine_between(1 / 25, 1.0, progress / 0.3)
    return base * cosine_between(1.0, 1 / 25 / 1e4, (progress - 0.3) / 0.7)


def cosine_between(start, end, fraction):
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, fraction)))
''',
    "plateau": '''
class Plateau:
    """Plateau schedule: the rate is cut by $gamma after more than $patience epochs without
    a relative improvement of 1e-4 in the watched value."""

    def __init__(self, lower_is_better):
        self.lower_is_better = lower_is_better
        self.factor, self.best, self.bad_epochs = 1.0, None, 0

    def observe(self, value):
        if not math.isfinite(value):
            return
        score = value if self.lower_is_better else -value
        if self.best is None or score < self.best - abs(self.best) * 1e-4:
            self.best, self.bad_epochs = score, 0
            return
        self.bad_epochs += 1
        if self.bad_epochs > $patience:
            self.factor *= $gamma
            self.bad_epochs = 0
''',
}

SET_RATE = '''
def set_rate(optimizer, rate):
    for group in optimizer.param_groups:
        group["lr"] = rate
'''

# ---- the steps (mirror nnstudio/engine/trainer.py and evaluate.py) ------------------------------

TRAIN = '''
def train(args, network, optimizer, data, order, batch_size, epoch):
    """One epoch over the samples in `order`, `batch_size` at a time. Its loss and metrics come
    from the values seen while training, summed over all processes."""
    x, targets, truth = data
    xs, ts = x.index_select(0, order), targets.index_select(0, order)
$epoch_setup    losses, outputs, sizes = [], [], []
    for batch, start in enumerate(range(0, len(order), batch_size)):
$batch_setup        values = loss_values(network(xs[start:start + batch_size]))
        loss = loss_function(values, ts[start:start + batch_size])
$penalty_step        optimizer.zero_grad(set_to_none=True)
        loss.backward()
$clip_step        optimizer.step()
        losses.append(loss.detach())
        outputs.append(values.detach())
        sizes.append(len(values))
        if args.dry_run:
            break
    seen, world = sum(sizes), world_size()
    weighted = torch.stack(losses).double().cpu() * torch.tensor(sizes, dtype=torch.float64)
    loss_sum = add_up(weighted.sum(), x.device)
    if not math.isfinite(float(loss_sum)):
        raise SystemExit(f"Training stopped: the loss became {float(loss_sum)} in epoch "
                         f"{epoch + 1}. Try a lower learning rate.")
    sums = add_up(metric_sums(torch.cat(outputs), truth.index_select(0, order)[:seen]), x.device)
    return {"loss": float(loss_sum) / (seen * world),
            **metrics_from_sums(sums, seen * world)}


def evaluate(model, data):
    """Loss and metrics of the model on a whole split, in eval mode, without gradients."""
    x, targets, truth = data
    model.eval()
    loss_sum, sums = torch.zeros((), dtype=torch.float64, device=x.device), None
    with torch.inference_mode():
        for start in range(0, len(x), 8192):
            end = start + 8192
            values = loss_values(model(x[start:end]))
            loss_sum += loss_function(values, targets[start:end]).double() * len(values)
            part = metric_sums(values, truth[start:end])
            sums = part if sums is None else sums + part
    model.train()
    return {"loss": float(loss_sum.item()) / len(x), **metrics_from_sums(sums, len(x))}
'''

PENALTY = '''
def penalized(network):
    """The weight matrices and kernels that L1/L2 penalize (not biases or norms' scales)."""
    return [p for name, p in network.named_parameters()
            if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1]
'''

# A regression target trains standardized and is reported, and saved, in its own units.
TARGET_SCALING = '''
def standardized_target(splits):
    """The splits with the target standardized by the training rows' mean and spread, as NN
    Studio trains it; and (shift, scale) to put results back in the target's units."""
    train_y = splits["train"][1].astype(np.float64)
    shift, spread = float(train_y.mean()), float(train_y.std())
    scale = spread if spread > 1e-12 * max(1.0, abs(shift)) else 1.0
    return ({name: (x, ((y.astype(np.float64) - shift) / scale).astype(np.float32))
             for name, (x, y) in splits.items()}, (shift, scale))


def in_target_units(metrics, target):
    """Losses and metrics of the standardized target, in the target's own units."""
    return {name: value * target[1] ** TARGET_POWERS.get(name.removeprefix("val_"), 0)
            for name, value in metrics.items()}


def folded(arrays, target):
    """The weights with the output layer $output predicting the target in its own units."""
    shift, scale = target
    weight, bias = arrays["$output.weight"], arrays["$output.bias"]
    arrays["$output.weight"] = (weight.astype(np.float64) * scale).astype(weight.dtype)
    arrays["$output.bias"] = (bias.astype(np.float64) * scale + shift).astype(bias.dtype)
    return arrays
'''

# ---- processes and devices ---------------------------------------------------------------------

DEVICES = '''
def start_processes(setting):
    """(rank, world size, device). Under torchrun (WORLD_SIZE > 1) this joins the process
    group: NCCL with one GPU per process, or gloo on CPUs. Plain python: one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, choose_device(setting)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available() and setting not in ("cpu", "mps"):
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        if local_world > torch.cuda.device_count():  # NCCL needs a GPU of its own per process
            raise SystemExit(f"torchrun started {local_world} processes on this machine, which "
                             f"has {torch.cuda.device_count()} GPU(s): start at most that many, "
                             "or train on CPUs with --device cpu")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return rank, world, device


def choose_device(setting):
    if setting == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    device = torch.device(setting)
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise SystemExit(f"--device {setting}: this machine has {torch.cuda.device_count()} "
                         "CUDA GPU(s); use --device cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise SystemExit("--device mps: this machine has no Apple GPU; use --device cpu")
    return device


def cpu_threads(batch_size, world):
    """Threads per process on a CPU, as NN Studio chooses them: one for small steps (mostly
    per-operation overhead), more for big ones. OMP_NUM_THREADS, when set, wins."""
    if "OMP_NUM_THREADS" in os.environ:
        return torch.get_num_threads()
    work = 3 * MULTIPLY_ADDS * batch_size  # one training step, forward and backward
    cores = max(1, (os.cpu_count() or 1) // world)
    if work < 64_000_000:
        return 1
    return min(cores, 2) if work < 16 * 64_000_000 else cores


def world_size():
    return dist.get_world_size() if dist.is_initialized() else 1


def add_up(tensor, device):
    """The sum of `tensor` over all processes (itself in a single process)."""
    if not dist.is_initialized():
        return tensor
    total = tensor.to(device)  # NCCL reduces GPU tensors only
    dist.all_reduce(total)
    return total.to(tensor.device)


def shard(order, rank, world):
    """This process's share of a shuffled epoch, as torch's DistributedSampler deals it: pad
    the order to a multiple of the process count with its first samples, then take every
    world-th sample starting at rank."""
    if world == 1:
        return order
    per_process = math.ceil(len(order) / world)
    padded = torch.cat([order, order[:per_process * world - len(order)]])
    return padded[rank::world]


def check_processes_agree(arrays, world, device):
    """Whether every process ends with the same weights (a SHA-256 of each compared)."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    mine = torch.tensor(list(digest.digest()), dtype=torch.uint8, device=device)
    everyone = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(everyone, mine)
    return all(torch.equal(other, mine) for other in everyone)
'''

SAVE = '''
def studio_arrays(model):
    """The weights as NN Studio names them, "{layer id}.{tensor}", as numpy arrays.
    BatchNorm's batch counter is left out, as NN Studio leaves it out."""
    arrays = {}
    for key, tensor in model.state_dict().items():
        layer, _, name = key.partition(".")
        if name != "num_batches_tracked":
            arrays[f"{$layer_name}.{name}"] = tensor.detach().cpu().numpy().copy()
    return arrays


def save(out, arrays, metrics):
    out.mkdir(parents=True, exist_ok=True)
    save_file(arrays, str(out / "weights.safetensors"))
    with open(out / "metrics.json", "w", encoding="utf-8") as handle:
        json.dump(metrics, handle, indent=2)
    print(f"saved {out / 'weights.safetensors'} and {out / 'metrics.json'}")
'''
