"""The methodology as data: the pack schema, loading with file/line errors, tailoring.

Light to import: no store, no Prefect.
"""

from implflow.methodology.catalogue import Catalogue
from implflow.methodology.loader import (
    LoadedPack,
    apply_overlay,
    apply_overlay_file,
    available_packs,
    load_overlay_file,
    load_pack,
    load_pack_file,
)
from implflow.methodology.schema import Gate, Methodology, Overlay, Phase

__all__ = [
    "Catalogue",
    "Gate",
    "LoadedPack",
    "Methodology",
    "Overlay",
    "Phase",
    "apply_overlay",
    "apply_overlay_file",
    "available_packs",
    "load_overlay_file",
    "load_pack",
    "load_pack_file",
]
