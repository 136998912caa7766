"""The one look of every figure: colours, the repo style file, the demo marker, saving.

Colours are fixed per group, not drawn from a cycle, so a group keeps its colour
in every figure whatever else is plotted. Hues come from Paul Tol's schemes
(https://personal.sron.nl/~pault/): the three headline groups take his
high-contrast triple (dark blue, red, ochre), which stays distinct under every
common colour-vision deficiency and in greyscale; the other groups take his
muted and light colours, so the headline groups stand out in stacked areas.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.style
from matplotlib.figure import Figure

UNITED_STATES_BLUE = "#004488"
CHINA_RED = "#BB5566"
UNAFFILIATED_OCHRE = "#DDAA33"
UNKNOWN_GREY = "#BBBBBB"

# Keys in vocabulary order (data/raw/attribution/vocabularies.yaml); plots stack
# and list groups in this order.
COUNTRY_GROUP_COLOURS: dict[str, str] = {
    "united_states": UNITED_STATES_BLUE,
    "china": CHINA_RED,
    "france": "#117733",
    "germany": "#44AA99",
    "united_kingdom": "#999933",
    "rest_of_europe": "#CCDDAA",
    "canada": "#88CCEE",
    "south_korea": "#AA4499",
    "japan": "#FFCCCC",
    "india": "#663333",
    "middle_east": "#EE8866",
    "rest_of_world": "#882255",
    "international": "#CCEEFF",
    "unaffiliated_user": UNAFFILIATED_OCHRE,
    "unknown": UNKNOWN_GREY,
}

DEVELOPER_TYPE_COLOURS: dict[str, str] = {
    "industry": "#332288",
    "academia": "#228833",
    "nonprofit": "#CC6677",
    "government": "#66CCEE",
    "unaffiliated_user": UNAFFILIATED_OCHRE,
    "unknown": UNKNOWN_GREY,
}
