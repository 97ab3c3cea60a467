"""Classroom presets in the project file: optional, round-tripped, refused by field."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.classroom import Classroom, classroom_from_dict
from nnstudio.core.errors import ProjectError, SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project

PRESET = Classroom(("weights_dock", "backprop_dock"), ("import_data",), True)


def test_a_preset_saves_and_reloads_and_no_preset_writes_no_key(tmp_path):
    project = example_project("spiral")
    plain = tmp_path / "plain.nnstudio"
    save_project(plain, project)
    assert "classroom" not in json.loads(plain.read_text())
    assert load_project(plain).project.classroom is None
    project.classroom = PRESET
    path = tmp_path / "class.nnstudio"
    save_project(path, project)
    assert json.loads(path.read_text())["classroom"] == {
        "hidden_panels": ["weights_dock", "backprop_dock"],
        "hidden_controls": ["import_data"], "show_notes": True}
    assert load_project(path).project.classroom == PRESET


@pytest.mark.parametrize("value,field", [
    ([], "classroom:"),
    ({"hide": []}, "classroom.hide: unknown field"),
    ({"show_notes": "yes"}, "classroom.show_notes:"),
    ({"hidden_panels": "weights_dock"}, "classroom.hidden_panels:"),
    ({"hidden_panels": ["Weights Dock"]}, "classroom.hidden_panels[0]:"),
    ({"hidden_controls": ["a", "a"]}, "classroom.hidden_controls: lists a name twice"),
    ({"hidden_controls": ["x"] * 101}, "classroom.hidden_controls:"),
])
def test_a_malformed_preset_is_refused_naming_the_field(value, field):
    with pytest.raises(SpecError) as caught:
        classroom_from_dict(value)
    assert str(caught.value).startswith(field)


def test_a_malformed_preset_in_a_file_names_the_file_and_field(tmp_path):
    path = tmp_path / "class.nnstudio"
    save_project(path, example_project("spiral"))
    document = json.loads(path.read_text())
    document["classroom"] = {"show_notes": 1}
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match="class.nnstudio: classroom.show_notes: must be true"):
        load_project(path)


def test_names_this_version_does_not_know_are_kept():
    assert classroom_from_dict({"hidden_panels": ["future_dock"]}).hidden_panels == \
        ("future_dock",)
