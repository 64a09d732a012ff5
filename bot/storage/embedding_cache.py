"""Precomputed passage vectors shipped beside the knowledge files (`embeddings.npz`).

Embedding the whole directory takes minutes on two cores; with this file a fresh install imports
in seconds. Vectors are keyed by the model name and a hash of the passage text, so an edited
passage simply misses the cache and is embedded at import; a stale file is never wrong, only
slower. `wegweiser knowledge embed` rewrites it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FILE_NAME = "embeddings.npz"


def load_cache(folder: Path, model: str) -> dict[str, np.ndarray]:
    path = Path(folder) / FILE_NAME
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != model:
                return {}
            hashes = [str(h) for h in data["hashes"]]
            vectors = data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    return dict(zip(hashes, vectors, strict=True))


def write_cache(folder: Path, model: str, vectors: dict[str, np.ndarray]) -> Path:
    path = Path(folder) / FILE_NAME
    hashes = sorted(vectors)
    matrix = np.stack([vectors[h] for h in hashes]).astype(np.float16)
    np.savez_compressed(path, model=np.array(model), hashes=np.array(hashes), vectors=matrix)
    return path
