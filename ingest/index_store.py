"""Versioned Qdrant indexes: build a new version, verify it, then switch to it atomically.

Embedded mode (default): data/index/versions/<version>/qdrant (Qdrant local mode) plus
data/index/CURRENT, a pointer file replaced with os.replace only once the new version is complete.
Server mode (POLICYDESK_QDRANT_URL): one collection per version, `<collection>__<version>`, and an
alias `<collection>` switched in one atomic alias operation.

Qdrant local mode locks its folder to one process, so readers never open a version's folder in
place: they open a private copy (a few MB), and the writer always builds a different folder.
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
]
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
):
    """A QdrantDocumentStore on a local folder (embedded) or on the configured server."""
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
        return QdrantDocumentStore(url=settings.qdrant_url, api_key=api_key, **common)
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

    # -- building ---------------------------------------------------------------------------
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
        _remove_orphaned_reader_copies()
        copy = Path(tempfile.mkdtemp(prefix=f"{READER_COPY_PREFIX}{os.getpid()}-{version.name}-"))
        # A process that never closes its reader (`policydesk ask`) must not leave copies behind.
        atexit.register(shutil.rmtree, copy, ignore_errors=True)
        try:
            shutil.copytree(
                version.path / "qdrant", copy / "qdrant", ignore=shutil.ignore_patterns(".lock")
            )
            store = open_document_store(self.settings, path=copy / "qdrant", return_embedding=True)
            points = qdrant_client_of(store).count(version.collection).count
        except Exception as exc:  # noqa: BLE001 - any failure here means a damaged version
            shutil.rmtree(copy, ignore_errors=True)
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


READER_COPY_PREFIX = "policydesk-reader-"


def _remove_orphaned_reader_copies() -> None:
    """Delete reader copies left by processes that died without cleaning up (kill -9)."""
    for path in Path(tempfile.gettempdir()).glob(f"{READER_COPY_PREFIX}*"):
        pid = path.name[len(READER_COPY_PREFIX) :].split("-", 1)[0]
        if not _pid_alive(pid):
            shutil.rmtree(path, ignore_errors=True)


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


def qdrant_client_of(store: Any) -> Any:
    """The QdrantClient behind a QdrantDocumentStore (created lazily by the store)."""
    store._initialize_client()
    return store._client


def close_store(store: Any) -> None:
    """Release a store's client (and with it Qdrant local mode's folder lock)."""
    client = getattr(store, "_client", None)
    if client is not None:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            pass
        store._client = None
