"""Versioned Qdrant indexes: build a new version, verify it, then switch to it atomically.

Embedded mode (default): data/index/versions/<version>/qdrant plus data/index/CURRENT, a pointer
file replaced with os.replace only once the new version is complete. The folder holds a
qdrant-edge shard (engine "edge", the default) or a Qdrant local-mode store (engine
"qdrant-local", versions built before, or chosen to compare); each version is read with the
engine that built it (manifest "engine").
Server mode (POLICYDESK_QDRANT_URL): one collection per version, `<collection>__<version>`, and an
alias `<collection>` switched in one atomic alias operation.

Readers never open a version's folder in place: a reader opens a private copy, so the writer and
garbage collection never touch files a reader uses. Qdrant local mode locks its folder to one
process, so its copy is a real copy (a few MB at 3k chunks). A qdrant-edge version is immutable
once switched to, and loading it rewrites only identical bytes, so its copy is a tree of hard
links (milliseconds at any size) with the small JSON files copied; removed versions stay readable
through the links until the reader closes.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.settings import EMBEDDING_DIM, Settings

PAYLOAD_INDEXES = [
    {"field_name": "meta.kind", "field_schema": "keyword"},
    {"field_name": "meta.forms", "field_schema": "keyword"},
    {"field_name": "meta.url", "field_schema": "keyword"},
    {"field_name": "meta.volume", "field_schema": "integer"},
    {"field_name": "meta.cite", "field_schema": "keyword"},
    {"field_name": "meta.doc_id", "field_schema": "keyword"},  # a section's neighbours, per question
    {"field_name": "meta.section", "field_schema": "keyword"},
]
ENGINE_EDGE, ENGINE_LOCAL, ENGINE_SERVER = "edge", "qdrant-local", "qdrant-server"
BUILDING_MARK = ".building"


class IndexUnavailable(Exception):
    """No usable index version: the message says what is wrong and how to rebuild."""


REBUILD_HINT = "Build one with: policydesk ingest --source ../shared/corpus (or make demo)."


@dataclass(frozen=True)
class IndexVersion:
    name: str
    manifest: dict[str, Any]
    path: Path | None  # embedded: version folder; server: None
    collection: str


def new_version_name() -> str:
    return "v" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_document_store(
    settings: Settings,
    *,
    path: Path | None = None,
    collection: str | None = None,
    recreate: bool = False,
    return_embedding: bool = False,
    engine: str | None = None,
):
    """A document store on the configured server, or on a local folder with the given engine
    (default: settings.embedded_engine): an EdgeDocumentStore or a local-mode QdrantDocumentStore."""
    if not settings.qdrant_url and (engine or settings.embedded_engine) == ENGINE_EDGE:
        from ingest.edge_store import EdgeDocumentStore

        if path is None:
            raise ValueError("embedded mode needs a version folder")
        return EdgeDocumentStore(path, create=recreate, return_embedding=return_embedding, hnsw_ef=settings.hnsw_ef)
    from haystack.utils import Secret
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    common: dict[str, Any] = dict(
        index=collection or settings.collection,
        embedding_dim=EMBEDDING_DIM,
        similarity="cosine",
        use_sparse_embeddings=True,
        sparse_idf=True,
        recreate_index=recreate,
        progress_bar=False,
        return_embedding=return_embedding,
        payload_fields_to_index=PAYLOAD_INDEXES if recreate else None,
        write_batch_size=256,
    )
    if settings.qdrant_url:
        api_key = Secret.from_token(settings.qdrant_api_key) if settings.qdrant_api_key else None
        return QdrantDocumentStore(
            url=settings.qdrant_url, api_key=api_key, shard_number=settings.qdrant_shard_number,
            replication_factor=settings.qdrant_replication_factor,
            write_consistency_factor=settings.qdrant_write_consistency_factor, **common)
    if path is None:
        raise ValueError("embedded mode needs a version folder")
    return QdrantDocumentStore(path=str(path), **common)


class VersionRegistry:
    """Where versions live and which one serves. One instance per data directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.index_dir
        self.versions_dir = self.root / "versions"
        self.pointer = self.root / "CURRENT"
        self.manifests_dir = self.root / "manifests"  # server mode keeps manifests here

    # -- naming -----------------------------------------------------------------------------
    @property
    def engine(self) -> str:
        """The engine new versions are built with."""
        return ENGINE_SERVER if self.settings.qdrant_url else self.settings.embedded_engine

    def engine_of(self, version: IndexVersion) -> str:
        """The engine `version` was built with (versions older than the field: by their files)."""
        if self.settings.qdrant_url:
            return ENGINE_SERVER
        recorded = version.manifest.get("engine")
        if recorded in (ENGINE_EDGE, ENGINE_LOCAL):
            return str(recorded)
        assert version.path is not None
        return ENGINE_EDGE if (version.path / "qdrant" / "edge_config.json").exists() else ENGINE_LOCAL

    def collection_for(self, version: str) -> str:
        return (
            f"{self.settings.collection}__{version}"
            if self.settings.qdrant_url
            else self.settings.collection
        )

    def version_path(self, version: str) -> Path:
        return self.versions_dir / version

    def manifest_path(self, version: str) -> Path:
        if self.settings.qdrant_url:
            return self.manifests_dir / f"{version}.json"
        return self.version_path(version) / "manifest.json"

    def term_counts_path(self, version: str) -> Path:
        if self.settings.qdrant_url:
            return self.root / "terms" / f"{version}.json"
        return self.version_path(version) / "term_counts.json"

    def load_term_counts(self, version: IndexVersion) -> dict[str, Any] | None:
        """The version's term counts (ingest.term_counts); None for versions built before them."""
        try:
            counts = json.loads(self.term_counts_path(version.name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(counts, dict) or counts.get("n_docs") != version.manifest.get("chunks"):
            return None  # stale or damaged: the reader counts from the store instead
        return counts

    # -- building ---------------------------------------------------------------------------
    def save_term_counts(self, version: str, counts: dict[str, Any]) -> None:
        _atomic_write(self.term_counts_path(version), json.dumps(counts, separators=(",", ":")))

    def start_build(self) -> tuple[str, Any]:
        """Create an empty new version and return (name, writable document store)."""
        version = new_version_name()
        if self.settings.qdrant_url:
            store = open_document_store(
                self.settings, collection=self.collection_for(version), recreate=True
            )
            qdrant_client_of(store)  # connect and create the collection now, before any embedding
            return version, store
        path = self.version_path(version)
        path.mkdir(parents=True, exist_ok=False)
        (path / BUILDING_MARK).write_text(str(os.getpid()))
        store = open_document_store(self.settings, path=path / "qdrant", recreate=True)
        return version, store

    def finish_build(self, version: str, manifest: dict[str, Any]) -> None:
        # The `.building` mark stays until switch(): a build killed between here and the switch
        # is still recognised as abandoned and collected by the next ingest.
        _atomic_write(self.manifest_path(version), json.dumps(manifest, indent=1, sort_keys=True))

    def switch(self, version: str) -> None:
        """Make `version` the serving one. Atomic: readers see the old or the new, never neither."""
        if self.settings.qdrant_url:
            from qdrant_client import QdrantClient, models

            client = QdrantClient(
                url=self.settings.qdrant_url, api_key=self.settings.qdrant_api_key
            )
            alias = self.settings.collection
            ops: list[Any] = []
            if any(a.alias_name == alias for a in client.get_aliases().aliases):
                ops.append(
                    models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias))
                )
            ops.append(
                models.CreateAliasOperation(
                    create_alias=models.CreateAlias(
                        collection_name=self.collection_for(version), alias_name=alias
                    )
                )
            )
            client.update_collection_aliases(change_aliases_operations=ops)
        _atomic_write(self.pointer, version + "\n")
        if not self.settings.qdrant_url:
            (self.version_path(version) / BUILDING_MARK).unlink(missing_ok=True)

    def discard(self, version: str) -> None:
        """Remove a version that failed to build (never the serving one)."""
        if version == self._current_name_or_none():
            return
        if self.settings.qdrant_url:
            from qdrant_client import QdrantClient

            client = QdrantClient(
                url=self.settings.qdrant_url, api_key=self.settings.qdrant_api_key
            )
            client.delete_collection(self.collection_for(version))
            self.manifest_path(version).unlink(missing_ok=True)
            self.term_counts_path(version).unlink(missing_ok=True)
        else:
            shutil.rmtree(self.version_path(version), ignore_errors=True)

    def collect_garbage(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` complete versions (plus any abandoned builds).

        Called only after a successful switch; the serving version is always kept.
        """
        current = self._current_name_or_none()
        removed = []
        complete = sorted(self.list_versions(), reverse=True)
        for name in complete[keep:]:
            if name != current:
                self.discard(name)
                removed.append(name)
        if not self.settings.qdrant_url and self.versions_dir.is_dir():
            for path in self.versions_dir.iterdir():
                mark = path / BUILDING_MARK
                if (
                    path.name != current
                    and mark.exists()
                    and not _pid_alive(mark.read_text(errors="replace").strip())
                ):
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path.name)
        return removed

    # -- reading ----------------------------------------------------------------------------
    def list_versions(self) -> list[str]:
        if self.settings.qdrant_url:
            if not self.manifests_dir.is_dir():
                return []
            return sorted(p.stem for p in self.manifests_dir.glob("v*.json"))
        if not self.versions_dir.is_dir():
            return []
        current = self._current_name_or_none()
        return sorted(
            p.name
            for p in self.versions_dir.iterdir()
            if (p / "manifest.json").exists()
            and (not (p / BUILDING_MARK).exists() or p.name == current)
        )

    def current_name(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            raise IndexUnavailable(
                f"the index pointer {self.pointer} is corrupted (not text). {REBUILD_HINT}"
            ) from None
        except OSError as exc:
            raise IndexUnavailable(
                f"cannot read the index pointer {self.pointer}: {exc}. {REBUILD_HINT}"
            ) from exc
        return name or None

    def _current_name_or_none(self) -> str | None:
        """The serving name for housekeeping; a broken pointer protects nothing, blocks nothing."""
        try:
            return self.current_name()
        except IndexUnavailable:
            return None

    def current(self) -> IndexVersion:
        """The serving version, checked for presence and integrity of its manifest."""
        name = self.current_name()
        if name is None:
            raise IndexUnavailable(
                f"no index has been built in {self.settings.data_dir}. {REBUILD_HINT}"
            )
        if not name.startswith("v") or "/" in name or len(name) > 64:
            raise IndexUnavailable(f"the index pointer {self.pointer} is corrupted. {REBUILD_HINT}")
        manifest_path = self.manifest_path(name)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexUnavailable(
                f"index version {name} is missing (no {manifest_path}). {REBUILD_HINT}"
            ) from None
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(
                f"index version {name} has a corrupted manifest: {exc}. {REBUILD_HINT}"
            ) from exc
        path = None if self.settings.qdrant_url else self.version_path(name)
        if path is not None and not (path / "qdrant").is_dir():
            raise IndexUnavailable(
                f"index version {name} has no Qdrant data in {path}. {REBUILD_HINT}"
            )
        return IndexVersion(
            name=name, manifest=manifest, path=path, collection=self.collection_for(name)
        )

    def open_reader(self, version: IndexVersion) -> tuple[Any, Path | None]:
        """A document store for querying `version`, and the private copy to remove when done."""
        if self.settings.qdrant_url:
            return open_document_store(self.settings, collection=version.collection, return_embedding=True), None
        assert version.path is not None
        engine = self.engine_of(version)
        _remove_orphaned_reader_copies(self.readers_dir)
        try:
            copy = self._private_copy(version, engine)
        except OSError as exc:
            raise IndexUnavailable(
                f"index version {version.name} cannot be opened (no private copy: {exc}). {REBUILD_HINT}"
            ) from exc
        try:
            # Local mode's reader loads every vector up front; edge fetches vectors by id.
            store = open_document_store(
                self.settings, path=copy / "qdrant", return_embedding=engine == ENGINE_LOCAL, engine=engine
            )
            points = count_points(store)
        except BaseException as exc:  # any failure here means a damaged version
            # (BaseException: a Rust panic in qdrant-edge surfaces as pyo3's PanicException)
            shutil.rmtree(copy, ignore_errors=True)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise IndexUnavailable(
                f"index version {version.name} cannot be opened "
                f"({type(exc).__name__}: {str(exc)[:200]}). {REBUILD_HINT}"
            ) from exc
        if points == 0 and version.manifest.get("chunks"):
            close_store(store)
            shutil.rmtree(copy, ignore_errors=True)
            raise IndexUnavailable(
                f"index version {version.name} cannot be opened: its Qdrant collection is empty "
                f"or missing. {REBUILD_HINT}"
            )
        return store, copy

    @property
    def readers_dir(self) -> Path:
        return self.root / "readers"

    def _private_copy(self, version: IndexVersion, engine: str) -> Path:
        """A folder holding the reader's own `qdrant` view of `version` (see the module docstring):
        hard links beside the index, or where that folder is read-only a sparse copy in /tmp."""
        assert version.path is not None
        prefix = f"{READER_COPY_PREFIX}{os.getpid()}-{version.name}-"
        if engine == ENGINE_EDGE:
            try:
                self.readers_dir.mkdir(parents=True, exist_ok=True)
                copy = Path(tempfile.mkdtemp(prefix=prefix, dir=self.readers_dir))
            except OSError:
                pass  # a read-only data dir: copy below
            else:
                # A process that never closes its reader (`policydesk ask`) must not leave copies behind.
                atexit.register(shutil.rmtree, copy, ignore_errors=True)
                try:
                    _link_tree(version.path / "qdrant", copy / "qdrant")
                    return copy
                except OSError:
                    shutil.rmtree(copy, ignore_errors=True)
        copy = Path(tempfile.mkdtemp(prefix=prefix))
        atexit.register(shutil.rmtree, copy, ignore_errors=True)
        try:
            shutil.copytree(version.path / "qdrant", copy / "qdrant", copy_function=_copy_sparse,
                            ignore=shutil.ignore_patterns(".lock"))
        except BaseException:
            shutil.rmtree(copy, ignore_errors=True)
            raise
        return copy


READER_COPY_PREFIX = "policydesk-reader-"


def _remove_orphaned_reader_copies(readers_dir: Path) -> None:
    """Delete reader copies left by processes that died without cleaning up (kill -9)."""
    for base in (Path(tempfile.gettempdir()), readers_dir):
        for path in base.glob(f"{READER_COPY_PREFIX}*"):
            pid = path.name[len(READER_COPY_PREFIX) :].split("-", 1)[0]
            if not _pid_alive(pid):
                shutil.rmtree(path, ignore_errors=True)


def _copy_sparse(src: str, dst: str) -> None:
    """Copy a file, leaving holes where it has them: qdrant-edge preallocates its files sparsely
    (32 MB apparent for a few KB written)."""
    block = 1 << 20
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while data := fin.read(block):
            if data.count(0) == len(data):
                fout.seek(len(data), os.SEEK_CUR)
            else:
                fout.write(data)
        fout.truncate()
    shutil.copystat(src, dst)


def _link_tree(source: Path, target: Path) -> None:
    """A private view of an immutable shard: hard links to the data files, copies of the JSON
    files the engine rewrites on load. Falls back to copying where links are impossible."""
    if not source.is_dir():
        raise FileNotFoundError(f"no shard folder {source}")

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(".json"):
            shutil.copy2(src, dst)
            return
        try:
            os.link(src, dst)
        except OSError:
            _copy_sparse(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, ignore=shutil.ignore_patterns(".lock"))


def _pid_alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def count_points(store: Any) -> int:
    if hasattr(store, "count_documents") and not hasattr(store, "_initialize_client"):
        return int(store.count_documents())
    return int(qdrant_client_of(store).count(store.index).count)


def finish_writing(store: Any) -> None:
    """After the last write: build the search indexes and make the version durable (qdrant-edge);
    Qdrant local mode and servers index as they go."""
    optimize = getattr(store, "optimize", None)
    if callable(optimize):
        optimize()


def qdrant_client_of(store: Any) -> Any:
    """The QdrantClient behind a QdrantDocumentStore (created lazily by the store)."""
    store._initialize_client()
    return store._client


def close_store(store: Any) -> None:
    """Release a store's client (and with it Qdrant local mode's folder lock), or its shard."""
    close = getattr(store, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            pass
        return
    client = getattr(store, "_client", None)
    if client is not None:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            pass
        store._client = None
