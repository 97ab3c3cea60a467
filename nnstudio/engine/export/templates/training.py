'''Training pieces of the exported script: objective, metrics, schedule, distributed set-up and
the loop. They mirror `nnstudio.engine` (losses, metrics, optim, trainer) step for step, so that
on the same device, with the same number of threads, the script's losses equal the app's.'''

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
# Metrics are computed from sums (a confusion matrix, or error sums), so the processes of a
# distributed run can add theirs up with one all_reduce.

CLASSIFICATION_METRICS = '''
def metric_sums(values, targets, classes):
    """A confusion matrix (row = true class, column = predicted) of one batch or split."""
    flat = classes.reshape(-1).long() * CLASSES + predicted_classes(values).reshape(-1).long()
    return torch.bincount(flat, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def metrics_from_sums(confusion):
    """Accuracy, precision, recall and F1. Two classes: those of class 1; more: their average
    over the classes that occur."""
    confusion = np.asarray(confusion, dtype=np.float64)
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
def metric_sums(values, targets, classes):
    """Per target column: squared error, absolute error, target and target squared, summed."""
    predicted = values.detach().double().reshape(targets.shape[0], -1)
    targets = targets.double().reshape(targets.shape[0], -1)
    error = predicted - targets
    return torch.stack(((error * error).sum(0), error.abs().sum(0), targets.sum(0),
                        (targets * targets).sum(0)))


def metrics_from_sums(sums):
    """MSE, MAE and R² from the sums, averaged over the target columns."""
    squared, absolute, total, total_squared = sums[:4].cpu().numpy()
    n = float(sums[4, 0])
    variance_sum = total_squared - total * total / n
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(variance_sum > 0,
                      1.0 - squared / np.where(variance_sum > 0, variance_sum, 1.0), 0.0)
    return {"mse": float(squared.mean() / n), "mae": float(absolute.mean() / n),
            "r2": float(r2.mean())}
'''

# ---- learning-rate schedule (mirror nnstudio/engine/optim.py) ----------------------------------

SCHEDULE = '''
class Schedule:
    """The learning rate at each batch: the base rate times a factor, as NN Studio sets it."""

    def __init__(self, batches_per_epoch, epochs):
        self.batches, self.epochs = batches_per_epoch, epochs
        self.plateau_factor = 1.0
        self.best = None
        self.bad_epochs = 0

    def rate(self, epoch, batch=0):
        kind = TRAINING["schedule"]
        if kind == "step":
            factor = TRAINING["gamma"] ** (epoch // TRAINING["step_size"])
        elif kind == "plateau":
            factor = self.plateau_factor
        elif kind in ("cosine", "one_cycle"):
            progress = (epoch * self.batches + batch) / max(1, self.epochs * self.batches)
            if kind == "cosine":
                factor = 0.5 * (1.0 + math.cos(math.pi * progress))
            elif progress < 0.3:  # one cycle: warm up from 1/25 of the rate, then anneal
                factor = cosine_between(1 / 25, 1.0, progress / 0.3)
            else:
                factor = cosine_between(1.0, 1 / 25 / 1e4, (progress - 0.3) / 0.7)
        else:
            factor = 1.0
        return TRAINING["learning_rate"] * factor

    @property
    def per_batch(self):
        return TRAINING["schedule"] in ("cosine", "one_cycle")

    def observe(self, value, lower_is_better):
        """Plateau schedule: cut the rate by gamma after `plateau_patience` epochs without a
        relative improvement of 1e-4."""
        if TRAINING["schedule"] != "plateau" or not math.isfinite(value):
            return
        score = value if lower_is_better else -value
        if self.best is None or score < self.best - abs(self.best) * 1e-4:
            self.best, self.bad_epochs = score, 0
            return
        self.bad_epochs += 1
        if self.bad_epochs > TRAINING["plateau_patience"]:
            self.plateau_factor *= TRAINING["gamma"]
            self.bad_epochs = 0


def cosine_between(start, end, fraction):
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, fraction)))
'''

OPTIMIZERS = {
    "sgd": 'torch.optim.SGD(parameters, lr=TRAINING["learning_rate"], '
           'momentum=TRAINING["momentum"],\n'
           '                           nesterov=TRAINING["nesterov"] and TRAINING["momentum"] > 0, '
           'fused=fused)',
    "adam": 'torch.optim.Adam(parameters, lr=TRAINING["learning_rate"], fused=fused)',
    "adamw": 'torch.optim.AdamW(parameters, lr=TRAINING["learning_rate"],\n'
             '                             weight_decay=TRAINING["weight_decay"], fused=fused)',
    "rmsprop": 'torch.optim.RMSprop(parameters, lr=TRAINING["learning_rate"], '
               'momentum=TRAINING["momentum"],\n'
               '                               foreach=True)',
    "adagrad": 'torch.optim.Adagrad(parameters, lr=TRAINING["learning_rate"],\n'
               '                               fused=(device.type == "cpu") or None)',
}

OPTIMIZER = '''
def make_optimizer(parameters, device):
    """$name, as NN Studio makes it: the fused implementation (one kernel for all tensors)
    where torch has one for the device."""
    fused = device.type in ("cpu", "cuda", "mps")
    return $call
'''

# ---- processes and devices ---------------------------------------------------------------------

DISTRIBUTED = '''
def start_processes(device_setting):
    """(rank, world size, device). Under torchrun (WORLD_SIZE > 1) this joins the process
    group: NCCL with one GPU per process, or gloo on CPUs. Plain python: one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, choose_device(device_setting)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available() and device_setting not in ("cpu", "mps"):
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
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(setting)
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise SystemExit(f"The project trains on {setting}, and this machine has "
                         f"{torch.cuda.device_count()} CUDA GPU(s): run with --device cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise SystemExit("The project trains on mps, and this machine has no Apple GPU: run "
                         "with --device cpu")
    return device


def cpu_threads(world):
    """Threads per process on a CPU, chosen as NN Studio chooses them: for small networks one
    thread is fastest (each step is mostly per-operation overhead), bigger ones use more cores.
    OMP_NUM_THREADS, when set, wins."""
    if "OMP_NUM_THREADS" in os.environ:
        return torch.get_num_threads()
    cores = max(1, (os.cpu_count() or 1) // world)
    if WORK_PER_STEP < ONE_THREAD_WORK:
        return 1
    return max(1, min(cores, 2 if WORK_PER_STEP < 16 * ONE_THREAD_WORK else cores))


def add_up(tensor, world):
    """The sum of `tensor` over all processes (itself in a single process)."""
    if world > 1:
        dist.all_reduce(tensor)
    return tensor


def shard(order, rank, world):
    """This process's share of a shuffled epoch, as torch's DistributedSampler deals it: pad
    the order to a multiple of the process count with its first samples, then take every
    world-th sample starting at rank."""
    if world == 1:
        return order
    per_process = math.ceil(len(order) / world)
    padded = torch.cat([order, order[:per_process * world - len(order)]])
    return padded[rank::world]
'''

# ---- the loop (mirror nnstudio/engine/trainer.py and evaluate.py) ------------------------------

LOOP = '''
def measure(model, x, targets, classes):
    """Loss and metrics of the model on a whole split, in eval mode, without gradients."""
    model.eval()
    loss_sum, count, sums = torch.zeros((), dtype=torch.float64, device=x.device), 0, None
    with torch.inference_mode():
        for start in range(0, x.shape[0], 8192):
            values = loss_values(model(x[start:start + 8192]))
            part_targets = targets[start:start + 8192]
            loss = loss_function(values, part_targets)
            loss_sum += loss.double() * part_targets.shape[0]
            count += part_targets.shape[0]
            part = metric_sums(values, part_targets,
                               None if classes is None else classes[start:start + 8192])
            sums = part if sums is None else sums + part
    model.train()
    return {"loss": float(loss_sum.item()) / count, **finish_metrics(sums, count)}


def finish_metrics(sums, count):
    if CLASSIFICATION:
        return metrics_from_sums(sums.cpu().numpy())
    counts = torch.full((1, sums.shape[1]), float(count), dtype=sums.dtype, device=sums.device)
    return metrics_from_sums(torch.cat([sums, counts]))


def penalty(weights):
    """L1 and L2 penalties on the weight matrices and kernels (not biases or norms)."""
    total = 0.0
    if TRAINING["l1"] > 0:
        total = total + TRAINING["l1"] * sum(w.abs().sum() for w in weights)
    if TRAINING["l2"] > 0:
        total = total + TRAINING["l2"] * sum(w.square().sum() for w in weights)
    return total


def train(args):
    rank, world, device = start_processes(args.device)
    if device.type == "cpu":
        torch.set_num_threads(cpu_threads(world))
    say = print if rank == 0 else (lambda *a, **k: None)
    splits, target = standardized_target(load_splits(args.data))
    for name, (x, y) in splits.items():
        say(f"{name}: {len(y)} samples")

    seed = TRAINING["seed"]
    torch.manual_seed(seed)
    model = Model().to(device)  # every process starts from the same seeded weights
    torch.manual_seed(seed + rank)  # dropout draws from the global generator
    penalized = [p for name, p in model.named_parameters()
                 if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1]
    network = model
    if world > 1:
        network = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = make_optimizer(model.parameters(), device)

    def tensors(part):
        x, y = (torch.tensor(a, device=device) for a in splits[part])
        return x, loss_targets(y), (y if CLASSIFICATION else None)

    x_train, t_train, c_train = tensors("train")
    x_val, t_val, c_val = tensors("validation")
    has_validation = x_val.shape[0] > 0
    n = x_train.shape[0]
    # A distributed run keeps the project's batch size for the whole step: each of the
    # `world` processes takes its share of every batch, and DDP averages their gradients.
    batch_size = math.ceil(TRAINING["batch_size"] / world)
    shard_size = math.ceil(n / world)
    batches = math.ceil(shard_size / batch_size)
    schedule = Schedule(batches, args.epochs)
    generator = torch.Generator().manual_seed(seed)  # the same shuffle in every process
    monitor = MONITOR if has_validation else None
    lower_is_better = monitor is None or MONITOR_LOWER_IS_BETTER
    history, best_value, best_epoch, best_state = {}, None, 0, None
    learning_rate = schedule.rate(0)
    say(f"training on {device}" + (f" in {world} processes" if world > 1 else "")
        + f", {args.epochs} epochs of {batches} batches")

    for epoch in range(args.epochs):
        learning_rate = set_rate(optimizer, schedule.rate(epoch))
        order = shard(torch.randperm(n, generator=generator), rank, world).to(device)
        xs, ts = x_train.index_select(0, order), t_train.index_select(0, order)
        losses, outputs = [], []
        for batch, start in enumerate(range(0, len(order), batch_size)):
            if schedule.per_batch:
                learning_rate = set_rate(optimizer, schedule.rate(epoch, batch))
            values = loss_values(network(xs[start:start + batch_size]))
            loss = loss_function(values, ts[start:start + batch_size])
            if TRAINING["l1"] > 0 or TRAINING["l2"] > 0:
                loss = loss + penalty(penalized)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if TRAINING["grad_clip"]:
                nn.utils.clip_grad_norm_(model.parameters(), TRAINING["grad_clip"], foreach=True)
            optimizer.step()
            losses.append(loss.detach())
            outputs.append(values.detach())
        if world > 1:  # BatchNorm's running statistics: every process takes rank 0's
            for buffer in model.buffers():
                dist.broadcast(buffer, 0)

        # The epoch's training metrics, from the values seen while training (all processes).
        sizes = torch.tensor([min(batch_size, len(order) - s) for s in range(0, len(order),
                              batch_size)], dtype=torch.float64)
        loss_sum = add_up((torch.stack(losses).double().cpu() * sizes).sum(), world)
        if not math.isfinite(float(loss_sum)):
            raise SystemExit(f"Training stopped: the loss became {float(loss_sum)} in epoch "
                             f"{epoch + 1}. Try a lower learning rate or gradient clipping.")
        classes = c_train.index_select(0, order) if CLASSIFICATION else None
        sums = add_up(metric_sums(torch.cat(outputs), ts, classes), world)
        row = {"loss": float(loss_sum) / (len(order) * world),
               **finish_metrics(sums, len(order) * world)}
        if has_validation:
            row.update({f"val_{k}": v for k, v in measure(model, x_val, t_val, c_val).items()})
        row["lr"] = learning_rate
        shown = {name: in_target_units(name, value, target) for name, value in row.items()}
        for name, value in shown.items():
            history.setdefault(name, []).append(value)
        say(f"epoch {epoch + 1}/{args.epochs}  " + "  ".join(
            f"{name} {value:.4g}" for name, value in shown.items()))

        # Plateau schedule and early stopping watch the same number.
        value = row[monitor or "loss"]
        schedule.observe(value, lower_is_better)
        if monitor is None or not TRAINING["early_stopping"]:
            continue
        better = best_value is None or (value < best_value if lower_is_better
                                        else value > best_value)
        improved = better and math.isfinite(value)
        if improved:
            best_value, best_epoch = value, epoch + 1
            if TRAINING["restore_best"]:
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        stop = torch.tensor(int(not improved and epoch + 1 - best_epoch >= TRAINING["patience"]))
        if world > 1:  # rank 0 decides, so no process waits for one that has stopped
            stop = stop.to(device)
            dist.broadcast(stop, 0)
        if stop:
            say(f"early stopping: {monitor} has not improved for {TRAINING['patience']} epochs")
            if best_state is not None:
                model.load_state_dict(best_state)
                say(f"restored the weights of epoch {best_epoch}")
            break

    final = {}
    for part, prefix in (("train", ""), ("validation", "val_"), ("test", "test_")):
        x, t, c = tensors(part)
        if x.shape[0]:
            final.update({prefix + k: in_target_units(k, v, target)
                          for k, v in measure(model, x, t, c).items()})
    say("final: " + "  ".join(f"{name} {value:.4g}" for name, value in final.items()))
    arrays = folded(studio_arrays(model), target)
    if world > 1:
        check_processes_agree(arrays, rank, world, device, say)
    out = Path(args.out)
    if args.save_every_rank and world > 1:
        out.mkdir(parents=True, exist_ok=True)
        save_file(arrays, str(out / f"weights.rank{rank}.safetensors"))
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        save_file(arrays, str(out / "weights.safetensors"))
        with open(out / "metrics.json", "w", encoding="utf-8") as handle:
            json.dump({"history": history, "final_metrics": final, "best_epoch": best_epoch,
                       "processes": world}, handle, indent=2)
        say(f"saved {out / 'weights.safetensors'} and {out / 'metrics.json'}")
    if world > 1:
        dist.destroy_process_group()


def standardized_target(splits):
    """The splits with a regression target standardized by the training rows' mean and spread,
    as NN Studio trains it; and (shift, scale), or None when the target is used as it is."""
    if TARGET_OUTPUT is None:
        return splits, None
    train_y = splits["train"][1].astype(np.float64)
    shift, spread = float(train_y.mean()), float(train_y.std())
    scale = spread if spread > 1e-12 * max(1.0, abs(shift)) else 1.0
    return ({name: (x, ((y.astype(np.float64) - shift) / scale).astype(np.float32))
             for name, (x, y) in splits.items()}, (shift, scale))


def in_target_units(name, value, target):
    """A loss or metric of the standardized target, in the target's own units."""
    if target is None:
        return value
    return value * target[1] ** TARGET_POWERS.get(name.removeprefix("val_"), 0)


def folded(arrays, target):
    """The weights with the output layer predicting the target in its own units."""
    if target is not None:
        shift, scale = target
        weight, bias = f"{TARGET_OUTPUT}.weight", f"{TARGET_OUTPUT}.bias"
        arrays[weight] = (arrays[weight].astype(np.float64) * scale).astype(arrays[weight].dtype)
        arrays[bias] = (arrays[bias].astype(np.float64) * scale + shift).astype(
            arrays[bias].dtype)
    return arrays


def set_rate(optimizer, rate):
    for group in optimizer.param_groups:
        group["lr"] = rate
    return rate


def studio_arrays(model):
    """The weights as NN Studio names them, "{layer id}.{tensor}", as numpy arrays.
    BatchNorm's batch counter is left out, as NN Studio leaves it out."""
    arrays = {}
    for key, tensor in model.state_dict().items():
        layer, _, name = key.partition(".")
        if name == "num_batches_tracked":
            continue
        arrays[f"{RENAMED.get(layer, layer)}.{name}"] = tensor.detach().cpu().numpy().copy()
    return arrays


def check_processes_agree(arrays, rank, world, device, say):
    """Compare a SHA-256 of every process's weights; DDP keeps them identical."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    mine = torch.tensor(list(digest.digest()), dtype=torch.uint8, device=device)
    everyone = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(everyone, mine)
    digests = [bytes(d.cpu().tolist()).hex() for d in everyone]
    if len(set(digests)) == 1:
        say(f"all {world} processes end with identical weights (sha256 {digests[0][:16]})")
    else:
        say("WARNING: the processes' weights differ: " + ", ".join(
            f"rank {r} {d[:16]}" for r, d in enumerate(digests)))
'''

MAIN = '''
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS,
                        help=f"how many epochs to train (default {EPOCHS}, as in the project)")
    parser.add_argument("--data", default=None, help=DATA_HELP)
    parser.add_argument("--out", default="out",
                        help="folder for weights.safetensors and metrics.json (default: out)")
    parser.add_argument("--device", default=TRAINING["device"],
                        help="auto, cpu, cuda, cuda:0, mps (default: %(default)s)")
    parser.add_argument("--save-every-rank", action="store_true",
                        help="under torchrun, every process also saves its own weights "
                             "(weights.rank<N>.safetensors), to compare them")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be 1 or more")
    train(args)


if __name__ == "__main__":
    main()
'''
