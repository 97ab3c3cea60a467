"""Where the network view puts things: tile size, layers as columns or rows, and how many neurons
of each layer are drawn, worked out from the view's size (no Qt, so it is tested directly).

The drawing is laid out in the view's own pixels (at zoom 1 a 32-unit tile is 32 pixels on
screen and a 9 pt label is 9 pt), never shrunk to fit: a network that does not fit shows the
first neurons of its large layers and a "+N more" slot, and the mouse wheel zooms. Of the two
orientations, layers as columns (left to right, as in Playground) or as rows (top to bottom),
the one that hides fewest neurons, then keeps the output's decision picture (after the last
layer), wins; between equals, columns in a wide view and rows in a tall one, unless the other
gives much larger tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_TILE = 32  # the smallest heatmap tile, in pixels at zoom 1
MAX_TILE = 72
PITCH = 1.3  # between unit centres, in tiles
MIN_COLUMN_GAP = 64.0  # between tiles of consecutive layers: room for links and headers
MIN_ROW_GAP = 64.0
HEADER = 64.0  # a layer's name, size and +/− buttons above its column
ROW_HEADER = 130.0  # the same, beside a row
ROW_LABELS = 44.0  # input names and tick boxes above the first row, class names below the last
MARGIN = 12.0
PICTURE_GAP = 28.0
MIN_PICTURE_TILES = 3  # the output picture is at least this many tiles wide
GOOD_PICTURE = 220.0  # tiles shrink (not below MIN_TILE) to give the picture this much
MAX_PICTURE = 420.0
COLUMNS, ROWS = "columns", "rows"
BIGGER = 1.25  # the orientation against the view's shape wins only with tiles this much larger


@dataclass(frozen=True)
class Labels:
    """Room for the names before the first layer and after the last, in pixels, when the
    layers are columns (the names' widths); rows use ROW_LABELS."""

    before: float = 90.0
    after: float = 90.0


@dataclass(frozen=True)
class NetworkLayout:
    """Positions in scene pixels. `slots[i]` is how many unit slots layer i shows (its drawn
    units, plus one for a "+N more" slot when `hidden[i]` > 0); `centre(i, s)` is slot s's
    centre; the output picture is a square of side `picture` (0: none) at `picture_origin`."""

    orientation: str
    tile: float
    layer_step: float  # between the centres of consecutive layers
    lead: float  # from the drawing's start to the first layer's tiles
    slots: tuple[int, ...]
    hidden: tuple[int, ...]
    picture: float
    picture_origin: tuple[float, float]

    @property
    def pitch(self) -> float:
        return self.tile * PITCH

    def centre(self, layer: int, slot: float) -> tuple[float, float]:
        along = self.lead + self.tile / 2 + layer * self.layer_step
        across = (slot - (self.slots[layer] - 1) / 2) * self.pitch
        return (along, across) if self.orientation == COLUMNS else (across, along)

    def shown(self, layer: int) -> int:
        """Units drawn as tiles (the slots less the "+N more" one)."""
        return self.slots[layer] - (1 if self.hidden[layer] else 0)


def plan_layout(units: list[int], width: float, height: float,
                expanded: frozenset[int] = frozenset(), picture: bool = True,
                labels: Labels = Labels()) -> NetworkLayout:
    """The layout for layers of `units` each (0 for a layer drawn as a band) in a view of
    `width` x `height` pixels; layers in `expanded` show every unit; `picture` asks for the
    output's picture after the last layer."""
    options = [_fit(units, width, height, expanded, picture, labels, orientation)
               for orientation in (COLUMNS, ROWS)]
    # What matters first: that the layers fit, then that no neuron hides, then the picture.
    best = min((not fits, sum(layout.hidden), layout.picture == 0) for layout, fits in options)
    layouts = {layout.orientation: layout for layout, fits in options
               if (not fits, sum(layout.hidden), layout.picture == 0) == best}
    preferred, other = (COLUMNS, ROWS) if width >= height else (ROWS, COLUMNS)
    if preferred in layouts and (other not in layouts
                                 or layouts[other].tile < BIGGER * layouts[preferred].tile):
        return layouts[preferred]
    return layouts[other]


def _fit(units: list[int], width: float, height: float, expanded: frozenset[int],
         picture: bool, labels: Labels, orientation: str) -> tuple[NetworkLayout, bool]:
    """The largest tile that hides no more units than the smallest tile would, with the
    picture if there is room for it, and whether the layers fit along their axis at all.

    The picture goes after the last layer (a good size, else a small one), else beside the
    layers' longest stretch of neurons (below the columns, right of the rows), else nowhere.
    """
    along, across = (width, height) if orientation == COLUMNS else (height, width)
    header = HEADER if orientation == COLUMNS else ROW_HEADER
    across_room = across - 2 * MARGIN - header
    ends = (labels.before, labels.after) if orientation == COLUMNS else (ROW_LABELS, ROW_LABELS)
    least_hidden = sum(_hidden(units, across_room, MIN_TILE, expanded))
    places = (("after", GOOD_PICTURE), ("after", 0.0), ("beside", GOOD_PICTURE),
              ("beside", 0.0)) if picture else ()
    for where, wanted in (*places, (None, 0.0)):
        for tile in range(MAX_TILE, MIN_TILE - 1, -1):
            hidden = _hidden(units, across_room, tile, expanded)
            layout = _place(units, hidden, tile, along, across_room, where, ends, orientation)
            side = max(min(wanted, across_room), MIN_PICTURE_TILES * tile) if where else 0.0
            length = sum(ends) + _layers_extent(len(units), tile, orientation)
            width_used = max(layout.slots) * tile * PITCH
            fits = {"after": length + PICTURE_GAP + side <= along - 2 * MARGIN,
                    "beside": (length <= along - 2 * MARGIN and side <= along - 2 * MARGIN
                               and width_used + PICTURE_GAP + side <= across_room),
                    None: length <= along - 2 * MARGIN}[where]
            # Too low (or narrow) a view for two neurons a layer does not fit at all.
            across_fits = (max(layout.slots) - 1) * tile * PITCH + tile <= across_room
            if sum(hidden) == least_hidden and fits and across_fits:
                return layout, True
    hidden = _hidden(units, across_room, MIN_TILE, expanded)
    return _place(units, hidden, MIN_TILE, along, across_room, None, ends, orientation), False


def _hidden(units: list[int], room: float, tile: float, expanded: frozenset[int]) -> list[int]:
    """Units each layer keeps behind its "+N more" slot at this tile size."""
    capacity = max(2, math.floor((room - tile) / (tile * PITCH)) + 1)
    return [0 if count <= capacity or index in expanded else count - (capacity - 1)
            for index, count in enumerate(units)]


def _layer_step(tile: float, orientation: str) -> float:
    gap = max(MIN_COLUMN_GAP, 1.6 * tile) if orientation == COLUMNS else max(MIN_ROW_GAP, tile)
    return tile + gap


def _layers_extent(layers: int, tile: float, orientation: str) -> float:
    return tile + (layers - 1) * _layer_step(tile, orientation)


def _place(units: list[int], hidden: list[int], tile: float, along: float, across_room: float,
           picture: str | None, ends: tuple[float, float], orientation: str) -> NetworkLayout:
    slots = tuple(max(count, 1) - h + (1 if h else 0) for count, h in zip(units, hidden))
    length = ends[0] + _layers_extent(len(units), tile, orientation) + ends[1]
    side, start, offset = 0.0, 0.0, 0.0  # the picture's side, its place along and across
    if picture == "after":
        spare = along - 2 * MARGIN - length - PICTURE_GAP
        side = max(MIN_PICTURE_TILES * tile, min(spare, across_room, MAX_PICTURE))
        start, offset = length + PICTURE_GAP, -side / 2
    elif picture == "beside":
        reach = max(slots) * tile * PITCH / 2  # the longest layer's half
        side = max(MIN_PICTURE_TILES * tile,
                   min(across_room - 2 * reach - PICTURE_GAP, along - 2 * MARGIN, MAX_PICTURE))
        start, offset = (length - side) / 2, reach + PICTURE_GAP
    origin = (start, offset) if orientation == COLUMNS else (offset, start)
    return NetworkLayout(orientation, float(tile), _layer_step(tile, orientation), ends[0],
                         slots, tuple(hidden), side, origin)
