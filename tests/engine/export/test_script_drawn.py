"""The training script of a project on drawn points: it says so and carries the points."""

from __future__ import annotations

import numpy as np

from nnstudio.engine.export.script import write_script
from tests.core.test_project_drawn import drawn_project


def test_the_script_carries_the_drawn_points_and_says_where_they_came_from(tmp_path):
    project = drawn_project(20)
    written = write_script(project, tmp_path / "drawn.py")
    text = (tmp_path / "drawn.py").read_text()
    assert "the 60 points drawn in NN Studio" in text and "the file ''" not in text
    data = np.load(next(path for path in written if path.suffix == ".npz"))
    source = project.data.source
    np.testing.assert_array_equal(data["x"], np.array(source.points, np.float32))
    np.testing.assert_array_equal(data["y"], np.array(source.labels))
