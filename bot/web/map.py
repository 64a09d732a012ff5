"""An offline map of a city for the editor: its bounding box with district centres and names.

No tiles, no network: an SVG drawn from `regions.yaml` data. A click on it sets the offer's
coordinates (static/workspace.js reads the box from the data attributes).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from bot.i18n import Texts
from bot.knowledge.schema import City

WIDTH = 640


def city_map(city: City, point: Any, t: Texts) -> str:
    south, west, north, east = city.bbox
    # equirectangular with the latitude's cosine, so the city is not stretched
    aspect = (north - south) / ((east - west) * math.cos(math.radians((north + south) / 2)))
    height = round(WIDTH * aspect)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (
            round((lon - west) / (east - west) * WIDTH, 1),
            round((north - lat) / (north - south) * height, 1),
        )

    label = t._("Map of {city}").format(city=city.name.get("de", city.id))
    parts = [
        f'<svg class="citymap" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" '
        f'data-south="{south}" data-west="{west}" data-north="{north}" data-east="{east}" '
        f'data-width="{WIDTH}" data-height="{height}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" class="citymap-bg"/>',
    ]
    for district in city.districts:
        x, y = xy(*district.center)
        parts.append(
            f'<g class="district" data-id="{escape(district.id)}" data-lat="{district.center[0]}" '
            f'data-lon="{district.center[1]}"><circle cx="{x}" cy="{y}" r="4"/>'
            f'<text x="{x + 6}" y="{y + 4}">{escape(district.name)}</text></g>'
        )
    cx, cy = xy(*city.center)
    visible = ""
    if isinstance(point, list | tuple) and len(point) == 2:
        try:
            cx, cy = xy(float(point[0]), float(point[1]))
        except (TypeError, ValueError):
            visible = ' style="display:none"'
    else:
        visible = ' style="display:none"'
    parts.append(
        f'<g class="marker"{visible} transform="translate({cx},{cy})">'
        '<path d="M0,0 L-7,-16 A8,8 0 1,1 7,-16 Z"/><circle cx="0" cy="-17" r="3" class="hole"/></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
