"""The palette: every registry layer under its category, searchable, draggable, double-clickable."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.layers import CATEGORIES, LAYER_TYPES
from nnstudio.gui.editor.palette import LAYER_MIME_TYPE, PaletteWidget, layer_key_from_mime


def test_every_layer_type_is_listed_once_under_its_category(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    assert sorted(palette.visible_keys()) == sorted(LAYER_TYPES)
    groups = [palette.tree.topLevelItem(i) for i in range(palette.tree.topLevelItemCount())]
    assert [g.text(0) for g in groups] == list(CATEGORIES)
    for group in groups:
        for index in range(group.childCount()):
            key = group.child(index).data(0, Qt.ItemDataRole.UserRole)
            assert LAYER_TYPES[key].category == group.text(0)


def test_each_layer_has_an_icon_and_its_explanation_as_tooltip(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    for key, kind in LAYER_TYPES.items():
        item = palette.item_for(key)
        assert not item.icon(0).isNull()
        assert kind.help in item.toolTip(0)


def test_searching_filters_layers_by_name_and_explanation(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "pool")
    assert set(palette.visible_keys()) == {"maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d",
                                           "global_avg_pool"}
    palette.search.clear()
    qtbot.keyClicks(palette.search, "skip connection")  # words from the Add layer's help
    assert palette.visible_keys() == ["add"]
    palette.search.clear()
    qtbot.keyClicks(palette.search, "zzz")
    assert palette.visible_keys() == []
    palette.search.clear()
    assert len(palette.visible_keys()) == len(LAYER_TYPES)


def test_enter_in_the_search_box_adds_the_first_match(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "dropout")
    with qtbot.waitSignal(palette.layer_activated) as signal:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert signal.args == ["dropout"]


def test_a_drag_carries_the_layer_type_key(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    mime = palette.tree.mimeData([palette.item_for("conv2d")])
    assert mime.hasFormat(LAYER_MIME_TYPE)
    assert layer_key_from_mime(mime) == "conv2d"
    assert palette.tree.mimeTypes() == [LAYER_MIME_TYPE]


def test_double_clicking_a_layer_asks_to_append_it(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.resize(240, 900)
    palette.show()
    qtbot.waitExposed(palette)
    item = palette.item_for("tanh")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(palette.layer_activated, timeout=1000) as signal:
        qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
    assert signal.args == ["tanh"]
    assert "Squashes" in palette.help.text()


def test_a_category_header_cannot_be_dragged_or_added(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    group = palette.tree.topLevelItem(0)
    assert not group.flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert layer_key_from_mime(palette.tree.mimeData([group])) is None
