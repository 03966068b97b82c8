"""Faults the index must survive, each really injected: SIGKILL at every ingest phase, a full
disk, an unwritable data directory, reads during a write, corrupted versions, tampered manifests.

Every test starts from a copy of one small index (the hand-written fixture mirror, embedded once),
so the embedding cache makes each re-ingest cost seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import EXIT_FAILED, EXIT_NO_INDEX, app
from ingest.index_store import BUILDING_MARK, IndexUnavailable, VersionRegistry
from ingest.run_ingest import IngestError, run_ingest
from tests.conftest import FIXTURES, REPO, make_settings

MIRROR = FIXTURES / "mirror"
QUESTIONS = [
    "What is the filing fee for Form I-999?",
    "Within how many days should officers review test petitions?",
]
NEW_QUESTION = "What is the filing fee for Form I-998?"
NEW_PAGE = """Instructions for Form I-998, Application for Second Test Benefit

What Is the Purpose of Form I-998?
Use Form I-998 to request a second test benefit. This fixture page was added by the fault tests
to give an ingest fresh chunks to embed and is not an official form.

What Is the Filing Fee?
The filing fee for Form I-998 is $777. Pay the Form I-998 fee by check or money order only.
"""
runner = CliRunner()


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_data(tmp_path_factory) -> Path:
    """A data dir with one serving version of the fixture mirror, and NEW_PAGE's embeddings
    already cached, so only the "embed" fault test pays for loading the model in a subprocess."""
    root = tmp_path_factory.mktemp("fault-base")
    scratch = make_settings(root / "scratch")
    run_ingest(scratch, [str(MIRROR), str(write_page(root / "extra", NEW_PAGE))])
    data = root / "data"
    shutil.copytree(scratch.cache_dir, data / "cache")
    run_ingest(make_settings(data), [str(MIRROR)])
    return data


def copy_data(source: Path, target: Path) -> None:
    # qdrant-edge preallocates its storage files sparsely (144 MB apparent, 0.5 MB used here):
    # copy them sparse, or every test would write 144 MB.
    subprocess.run(["cp", "-a", "--sparse=always", str(source), str(target)], check=True)


@pytest.fixture
def settings(base_data, tmp_path):
    data = tmp_path / "data"
    copy_data(base_data, data)
    return make_settings(data)


def write_page(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "i-998instr.txt"
    page.write_text(text)
    return page


@pytest.fixture
def new_page(tmp_path) -> Path:
    return write_page(tmp_path / "extra", NEW_PAGE)


def answers(assistant) -> list[tuple[str, list[str]]]:
    out = []
    for q in QUESTIONS:
        a = assistant.ask(q)
        out.append((a.text, [f"{c.chunk_id} {c.cite}" for c in a.citations]))
    return out


def version_dirs(settings) -> set[str]:
    return {p.name for p in (settings.index_dir / "versions").iterdir()}


def ingest_process(settings, sources: list[Path], pause: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, POLICYDESK_DATA_DIR=str(settings.data_dir),
               HAYSTACK_TELEMETRY_ENABLED="False")
    if pause:
        env["POLICYDESK_FAULT_PAUSE"] = pause
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "-q"]
    for s in sources:
        cmd += ["--source", str(s)]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"ingest ended before {path.name}: {proc.stdout.read().decode()[-2000:]}")
        if time.time() > deadline:
            proc.kill()
            pytest.fail(f"ingest never reached {path.name}")
        time.sleep(0.05)


def cli(settings, monkeypatch, *args: str):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(settings.data_dir))
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# -- SIGKILL at each phase --------------------------------------------------------------------
@pytest.mark.parametrize("phase", ["fetch", "embed", "write", "switch"])
def test_sigkill_at_each_phase_keeps_the_old_version_serving(settings, new_page, phase):
    from assistant.service import Assistant

    registry = VersionRegistry(settings)
    serving = registry.current_name()
    assistant = Assistant(settings)
    before = answers(assistant)

    if phase == "embed":  # a page the cache has never seen, so the model really embeds
        new_page.write_text(NEW_PAGE.replace("$777", "$778").replace("only", "only, never cash"))
    proc = ingest_process(settings, [MIRROR, new_page], pause=phase)
    wait_for(settings.index_dir / f".paused-{phase}", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    (settings.index_dir / f".paused-{phase}").unlink()

    abandoned = version_dirs(settings) - {serving}
    if phase == "fetch":
        assert abandoned == set()  # killed before any version folder existed
    else:
        assert len(abandoned) == 1
        assert (settings.index_dir / "versions" / abandoned.pop() / BUILDING_MARK).exists()
    assert registry.current_name() == serving and registry.list_versions() == [serving]
    assert answers(assistant) == before  # same text, same citations
    assert Assistant(settings).version.name == serving  # a fresh reader too

    report = run_ingest(settings, [str(MIRROR), str(new_page)])  # the next ingest completes
    assert report.switched and registry.current_name() == report.version
    assert version_dirs(settings) == {serving, report.version}  # abandoned build removed
    if phase in ("embed", "write", "switch"):
        assert report.embedded == 0  # embeddings cached before the kill survived it
    assert "$77" in assistant.ask(NEW_QUESTION).text
    assert [text for text, _ in answers(assistant)] == [text for text, _ in before]
    assistant.close()


# -- garbage collection only after a successful switch -----------------------------------------
def test_failed_ingests_never_delete_old_versions(settings, monkeypatch):
    settings = settings.model_copy(update={"keep_versions": 2})
    v1 = VersionRegistry(settings).current_name()
    v2 = run_ingest(settings, [str(MIRROR)]).version
    registry = VersionRegistry(settings)
    assert registry.list_versions() == [v1, v2]

    monkeypatch.setattr("ingest.run_ingest.verify_store", lambda store, manifest: ["injected"])
    with pytest.raises(IngestError, match="failed verification: injected"):
        run_ingest(settings, [str(MIRROR)])
    monkeypatch.undo()

    def switch_fails(self, version):
        raise OSError(28, "No space left on device", str(self.pointer))

    monkeypatch.setattr(VersionRegistry, "switch", switch_fails)
    with pytest.raises(IngestError, match="No space left on device"):
        run_ingest(settings, [str(MIRROR)])
    monkeypatch.undo()

    assert registry.current_name() == v2
    assert version_dirs(settings) == {v1, v2}  # nothing deleted, failed builds discarded
    v3 = run_ingest(settings, [str(MIRROR)]).version
    assert version_dirs(settings) == {v2, v3}  # v1 goes only after a switch succeeded


# -- full disk and unwritable data directory ---------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path, request):
    mount = tmp_path / "disk"
    mount.mkdir()
    size = getattr(request, "param", "4m")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill_disk(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    try:
        with open(folder / "filler-tail", "wb") as fh:
            while True:
                fh.write(b"\0" * 512)
                fh.flush()
    except OSError:
        pass


@pytest.mark.parametrize("tiny_disk", ["256m"], indirect=True)
def test_full_disk_before_the_ingest_fails_cleanly_and_the_old_version_serves(
    base_data, tiny_disk, new_page, monkeypatch
):
    """qdrant-edge (the default): the ingest checks free space before it writes anything. A
    qdrant-edge reader maps its files on open (tens of MB on tmpfs), hence the larger disk."""
    from assistant.service import Assistant

    settings = make_settings(tiny_disk / "data")
    copy_data(base_data, settings.data_dir)
    serving = VersionRegistry(settings).current_name()
    assistant = Assistant(settings)
    before = answers(assistant)
    fill_disk(tiny_disk)
    result = cli(settings, monkeypatch, "ingest", "-q", "--source", str(MIRROR), "--source", str(new_page))
    assert result.exit_code == EXIT_FAILED
    assert "No space left on device" in result.stderr
    assert "previous index version keeps serving" in result.stderr
    assert VersionRegistry(settings).current_name() == serving
    assert version_dirs(settings) == {serving}
    assert answers(assistant) == before
    assistant.close()


@pytest.mark.parametrize("when", ["before the ingest", "during the build"])
def test_full_disk_fails_cleanly_and_the_old_version_serves_local_mode(
    base_data, tiny_disk, new_page, monkeypatch, when
):
    """Qdrant local mode reports a full disk as an error at any point of the build. (qdrant-edge
    writes through memory maps: a disk filled by another process mid-build ends the ingest
    process, which the SIGKILL tests above show leaves the serving version intact.)"""
    from assistant.service import Assistant
    from ingest import run_ingest as module

    settings = make_settings(tiny_disk / "data", embedded_engine="qdrant-local", min_free_mb=0)
    shutil.copytree(base_data / "cache", settings.cache_dir)
    run_ingest(settings, [str(MIRROR)])
    serving = VersionRegistry(settings).current_name()
    assistant = Assistant(settings)
    before = answers(assistant)

    if when == "before the ingest":
        fill_disk(tiny_disk)
        monkeypatch.setenv("POLICYDESK_EMBEDDED_ENGINE", "qdrant-local")
        monkeypatch.setenv("POLICYDESK_MIN_FREE_MB", "0")
        result = cli(settings, monkeypatch, "ingest", "-q", "--source", str(MIRROR),
                     "--source", str(new_page))
        assert result.exit_code == EXIT_FAILED
        assert "No space left on device" in result.stderr
        assert "previous index version keeps serving" in result.stderr
    else:
        real_build = module.build_indexing_pipeline

        def fill_then_build(*args, **kwargs):
            fill_disk(tiny_disk)  # another process takes the last bytes mid-ingest
            return real_build(*args, **kwargs)

        monkeypatch.setattr(module, "build_indexing_pipeline", fill_then_build)
        with pytest.raises(IngestError, match="(No space left|disk is full|disk I/O error)"):
            run_ingest(settings, [str(MIRROR), str(new_page)])

    assert VersionRegistry(settings).current_name() == serving
    assert version_dirs(settings) == {serving}  # the partial build was removed
    assert answers(assistant) == before
    assistant.close()


def test_data_dir_under_a_file_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data directory should be")
    settings = make_settings(blocker / "data")
    result = cli(settings, monkeypatch, "ingest", "-q", "--source", str(MIRROR))
    assert result.exit_code == EXIT_FAILED
    assert "error: cannot write under the data directory" in result.stderr
    assert "Not a directory" in result.stderr


def test_snapshots_folder_unwritable_keeps_the_old_version(settings, new_page):
    from assistant.service import Assistant

    serving = VersionRegistry(settings).current_name()
    assistant = Assistant(settings)
    before = answers(assistant)
    shutil.rmtree(settings.snapshots_dir)
    settings.snapshots_dir.write_text("root ignores permissions, so a file blocks the folder")
    with pytest.raises(IngestError, match="cannot write under the data directory"):
        run_ingest(settings, [str(MIRROR), str(new_page)])
    assert VersionRegistry(settings).current_name() == serving
    assert version_dirs(settings) == {serving}
    assert answers(assistant) == before
    assistant.close()


def test_read_only_data_dir_keeps_the_old_version(settings, new_page, monkeypatch):
    from assistant.service import Assistant

    serving = VersionRegistry(settings).current_name()
    assistant = Assistant(settings)
    before = answers(assistant)
    data = str(settings.data_dir)
    bind = subprocess.run(["mount", "--bind", data, data], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bind.stderr.strip()}")
    try:
        ro = subprocess.run(["mount", "-o", "remount,bind,ro", data],
                            capture_output=True, text=True)
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only: {ro.stderr.strip()}")
        result = cli(settings, monkeypatch, "ingest", "-q", "--source", str(MIRROR),
                     "--source", str(new_page))
        assert result.exit_code == EXIT_FAILED
        assert "Read-only file system" in result.stderr or "readonly" in result.stderr
        assert answers(assistant) == before
        assert cli(settings, monkeypatch, "status").exit_code == 0
    finally:
        subprocess.run(["umount", "-l", data], check=False)
    assert VersionRegistry(settings).current_name() == serving
    assert version_dirs(settings) == {serving}
    assistant.close()


# -- reading while another process writes -------------------------------------------------------
def test_reader_answers_throughout_an_ingest_and_picks_up_the_new_version(settings, new_page):
    from assistant.service import Assistant

    assistant = Assistant(settings)
    old_version = assistant.version.name
    before = answers(assistant)
    assert "$777" not in assistant.ask(NEW_QUESTION).text

    proc = ingest_process(settings, [MIRROR, new_page])
    asked, errors, switched_at = 0, [], None
    while proc.poll() is None or switched_at is None:
        try:
            result = answers(assistant)
            asked += len(QUESTIONS)
            if [(text, cites[0]) for text, cites in result] != [(t, c[0]) for t, c in before]:
                errors.append(f"answers changed: {result}")
            if switched_at is None and assistant.version.name != old_version:
                switched_at = asked
        except Exception as exc:  # noqa: BLE001 - any error while reading is the failure
            errors.append(repr(exc))
        if proc.poll() is not None and switched_at is None:
            break
        time.sleep(0.1)  # leave the writer some of the two cores
    assert proc.wait(timeout=60) == 0, proc.stdout.read().decode()[-2000:]
    assert errors == [] and asked >= 10
    assert assistant.version.name != old_version  # no restart needed
    assert "$777" in assistant.ask(NEW_QUESTION).text
    print(f"\nreader asked {asked} questions during the ingest, 0 errors; "
          f"switched to the new version after {switched_at}")
    assistant.close()


# -- corrupted or missing versions and pointers --------------------------------------------------
def _garbage_pointer(s):
    (s.index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00garbage\x9c")


def _pointer_to_deleted_version(s):
    shutil.rmtree(s.index_dir / "versions" / VersionRegistry(s).current_name())


def _truncated_manifest(s):
    path = s.index_dir / "versions" / VersionRegistry(s).current_name() / "manifest.json"
    path.write_bytes(path.read_bytes()[:200])


def _deleted_qdrant_folder(s):
    shutil.rmtree(s.index_dir / "versions" / VersionRegistry(s).current_name() / "qdrant")


def _garbage_qdrant_storage(s):
    version = s.index_dir / "versions" / VersionRegistry(s).current_name()
    for sqlite in (version / "qdrant").rglob("storage.sqlite"):  # Qdrant local mode
        sqlite.write_bytes(b"this is not a database" * 100)
    for config in (version / "qdrant").rglob("*.json"):  # qdrant-edge
        config.write_bytes(b"this is not a shard" * 100)


def _path_in_pointer(s):
    (s.index_dir / "CURRENT").write_text("../../etc\n")


CORRUPTIONS = {
    "garbage bytes in CURRENT": (_garbage_pointer, "corrupted"),
    "CURRENT names a path": (_path_in_pointer, "corrupted"),
    "CURRENT points to a deleted version": (_pointer_to_deleted_version, "is missing"),
    "truncated manifest.json": (_truncated_manifest, "corrupted manifest"),
    "deleted qdrant folder": (_deleted_qdrant_folder, "no Qdrant data"),
    "garbage qdrant storage": (_garbage_qdrant_storage, "cannot be opened"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corrupted_index_says_what_is_wrong_and_how_to_rebuild(settings, monkeypatch, name):
    from assistant.service import Assistant

    corrupt, what = CORRUPTIONS[name]
    corrupt(settings)
    for args in (["status"], ["ask", QUESTIONS[0]], ["verify"]):
        result = cli(settings, monkeypatch, *args)
        assert result.exit_code == EXIT_NO_INDEX, (args, result.output)
        assert what in result.output and "policydesk ingest" in result.output, result.output
    with pytest.raises(IndexUnavailable, match=what):
        Assistant(settings).ask(QUESTIONS[0])
    report = run_ingest(settings, [str(MIRROR)])  # the rebuild the message suggests works
    assert Assistant(settings).version.name == report.version


# -- verify on a tampered manifest ----------------------------------------------------------------
def _manifest_path(settings) -> Path:
    version = VersionRegistry(settings).current_name()
    return settings.index_dir / "versions" / version / "manifest.json"


def test_verify_passes_on_a_sound_index(settings, monkeypatch):
    result = cli(settings, monkeypatch, "verify")
    assert result.exit_code == 0 and "verified" in result.stdout


@pytest.mark.parametrize("tamper, message", [
    (lambda m: m.update(chunks=m["chunks"] + 1), "chunk count"),
    (lambda m: m["chunk_hashes"].update({next(iter(m["chunk_hashes"])): "0" * 64}),
     "hash differs from the manifest"),
    (lambda m: m["chunk_hashes"].update({"f" * 32: "1" * 64}),
     "in the manifest but not in the index"),
    (lambda m: m.update(dim=768), "vector dimension"),
])
def test_verify_fails_on_a_tampered_manifest(settings, monkeypatch, tamper, message):
    path = _manifest_path(settings)
    manifest = json.loads(path.read_text())
    tamper(manifest)
    path.write_text(json.dumps(manifest))
    result = cli(settings, monkeypatch, "verify")
    assert result.exit_code == EXIT_FAILED
    assert "mismatch: " in result.stderr and message in result.stderr
