"""The grokking example trains as shipped: a short run memorises the training pairs before the
held-out pairs follow (the full run, about 2 minutes, is benchmarks/grokking.py)."""

from nnstudio.core.examples import example_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.trainer import fit


def test_the_grokking_example_is_an_embedding_mlp_with_adamw_and_strong_weight_decay():
    project = example_project("grokking")
    types = [node.type for node in project.network.topological_order()]
    assert types == ["input", "embedding", "flatten", "dense", "dense"]
    assert (project.training.optimizer, project.training.weight_decay) == ("adamw", 1.0)
    assert project.data.preprocessing == "none"  # token ids go into the Embedding unscaled


def test_a_short_run_learns_training_pairs_before_it_generalises():
    project = example_project("grokking")
    data = prepare_project_data(project)
    result = fit(project.network, data, project.training.replace(epochs=40), threads=1)
    train, held_out = result.history["accuracy"][-1], result.history["val_accuracy"][-1]
    chance = 1 / 59
    assert train > 10 * chance
    assert held_out < train / 2
