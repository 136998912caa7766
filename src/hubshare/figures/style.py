"""The one look of every figure: colours, the repo style file, the demo marker, saving.

Colours are fixed per group, not drawn from a cycle, so a group keeps its colour
in every figure whatever else is plotted. Hues come from Paul Tol's schemes
(https://personal.sron.nl/~pault/): the three headline groups take his
high-contrast triple (dark blue, red, ochre), which stays distinct under every
common colour-vision deficiency and in greyscale; the other groups take his
muted and light colours, so the headline groups stand out in stacked areas.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.style
from matplotlib.figure import Figure

from hubshare.jobs.atomic import write_atomically

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

# "Other" (groups merged for readability) must not look like a real group,
# nor like `unknown`: pale fill with grey hatching.
OTHER_STYLE = {"facecolor": "#F4F4F4", "edgecolor": "#999999", "hatch": "/////"}

# Attribution views are told apart by line style first (survives greyscale
# printing) and by shade second.
VIEW_LINES: dict[str, dict[str, str]] = {
    "uploader": {"color": "#222222", "linestyle": "-"},
    "derived": {"color": "#777777", "linestyle": "--"},
    "derived_first_parent": {"color": "#777777", "linestyle": ":"},
}

DEMO_WATERMARK = "SYNTHETIC DEMO DATA"
DEMO_NOTE = "Synthetic demo data, not real Hub downloads"

PDF_METADATA = {"CreationDate": None, "ModDate": None}  # no timestamps: same inputs, same bytes
PNG_METADATA = {"Software": None}


def use_style(rc_path: Path) -> None:
    """Apply the repo style on top of matplotlib's defaults, whatever was set before."""
    matplotlib.style.use(["default", str(rc_path)])


def mark_demo(fig: Figure) -> None:
    """Say on the figure itself that it shows synthetic data.

    A faint watermark along the diagonal cannot be cropped away with a margin;
    a small note at the top right names it in plain words.
    """
    width, height = fig.get_size_inches()
    diagonal_points = math.hypot(width, height) * 72
    # Bold capitals are about 0.7 em wide; fill about half of the diagonal.
    font_size = 0.5 * diagonal_points / (0.7 * len(DEMO_WATERMARK))
    watermark = fig.text(
        0.5,
        0.5,
        DEMO_WATERMARK,
        ha="center",
        va="center",
        rotation=math.degrees(math.atan2(height, width)),
        rotation_mode="anchor",
        fontsize=font_size,
        fontweight="bold",
        color="#808080",
        alpha=0.3,
        zorder=10,
    )
    watermark.set_in_layout(False)  # decoration: must not move panels or the saved bounding box
    # A suptitle, so the layout engine reserves room for the note and it never covers a panel.
    fig.suptitle(DEMO_NOTE, x=1.0, ha="right", fontsize="small", fontstyle="italic", color="#555555")


def save_figure(fig: Figure, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    """Write the figure as vector PDF and PNG with reproducible bytes, atomically, then close it."""
    write_atomically(pdf_path, lambda tmp: fig.savefig(tmp, format="pdf", metadata=PDF_METADATA))
    write_atomically(png_path, lambda tmp: fig.savefig(tmp, format="png", metadata=PNG_METADATA))
    plt.close(fig)  # releases figures made through pyplot; harmless for standalone ones
