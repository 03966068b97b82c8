"""`policydesk eval`: retrieval and abstention metrics on a labelled question set.

Gold passages are given as a corpus file (or URL) plus `must_contain` phrases: a retrieved
chunk is relevant when it comes from that file/URL and contains one of the phrases. The same
run measures hybrid, BM25-only and dense-only retrieval on the same index.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.reports.batch import read_question_lines
from assistant.reports.calibration import choose_threshold, save_calibration, threshold_curve
from assistant.reports.eval_answers import answer_metrics, normalise, reliability_curve
from assistant.service import Assistant
from ingest.settings import Settings


def is_relevant(meta: dict[str, Any], content: str, gold: list[dict[str, Any]]) -> bool:
    body = normalise(content)
    for g in gold:
        same_file = g.get("file") and meta.get("source") == g["file"]
        same_url = g.get("url") and meta.get("page_url") == g["url"]
        if not (same_file or same_url):
            continue
        phrases = g.get("must_contain") or []
        if not phrases or any(normalise(p) in body for p in phrases):
            return True
    return False


def first_relevant_rank(docs: list[Any], gold: list[dict[str, Any]]) -> int | None:
    for i, d in enumerate(docs):
        if is_relevant(d.meta, d.content or "", gold):
            return i + 1
    return None


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "recall@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 1] (used by eval and the load benchmark)."""
    if not values:
        return 0.0
    values = sorted(values)
    idx = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[idx]


def group_agreement(tops: dict[str, list[str | None]]) -> float:
    groups = [v for v in tops.values() if len(v) > 1]
    if not groups:
        return 1.0
    return sum(1 for v in groups if len(set(v)) == 1 and v[0] is not None) / len(groups)


def for_another_agency(row: dict[str, Any]) -> bool:
    return bool(row.get("agency")) or row.get("topic") == "other-agency"


def referral_metrics(answers: list[tuple[dict[str, Any], Any]]) -> dict[str, Any] | None:
    """How well questions for another agency are referred, and how often USCIS questions are.

    A set labels them with `agency` (DOS, CBP, ...; null for a USCIS question) or, as dev.jsonl
    does, with topic "other-agency"; a set with neither label gets no referral figures.
    """
    if not any("agency" in r or r.get("topic") == "other-agency" for r, _ in answers):
        return None
    elsewhere = [(r, a) for r, a in answers if for_another_agency(r)]
    uscis = [(r, a) for r, a in answers if not for_another_agency(r) and r.get("answerable", True)]

    def right(r: dict[str, Any], a: Any) -> bool:
        return a.reason == "other-agency" and (not r.get("agency") or (a.referral or {}).get("agency") == r["agency"])

    return {
        "other_agency": len(elsewhere),
        "referred_right": sum(1 for r, a in elsewhere if right(r, a)),
        "uscis": len(uscis),
        "wrongly_referred": [r["id"] for r, a in uscis if a.reason == "other-agency"],
        "missed": [r["id"] for r, a in elsewhere if not right(r, a)],
    }


def run_evaluation(settings: Settings, questions: Path, top_k: int = 5, calibrate: bool = False) -> dict[str, Any]:
    rows = [r for r in read_question_lines(questions) if "error" not in r]
    answerable = [r for r in rows if r.get("answerable", True)]
    report: dict[str, Any] = {"questions": len(rows), "answerable": len(answerable),
                              "unanswerable": len(rows) - len(answerable), "top_k": top_k}

    retrieval: dict[str, dict[str, float]] = {}
    details: list[dict[str, Any]] = []
    passage_words: list[int] = []  # how much an agent reads: merged section passages are longer
    # The full pipeline, then each retriever and the fusion without coverage re-scoring, so the
    # gain of each stage is visible on the same index in the same run.
    bare = settings.model_copy(update={"coverage_weight": 0.0})
    variants = [("hybrid", settings, "hybrid"), ("hybrid-rrf-only", bare, "hybrid"),
                ("bm25-only", bare, "sparse"), ("dense-only", bare, "dense")]
    for label, variant_settings, mode in variants:
        assistant = Assistant(variant_settings, mode=mode)
        ranks = []
        for r in answerable:
            docs = assistant.retrieve(r["question"], top_k=10)
            rank = first_relevant_rank(docs, r.get("gold", []))
            ranks.append(rank)
            if label == "hybrid":
                details.append({"id": r["id"], "rank": rank, "top": docs[0].meta.get("cite") if docs else None})
                passage_words.extend(len((d.content or "").split()) for d in docs[:top_k])
        retrieval[label] = retrieval_metrics(ranks)
        if label != "hybrid":
            assistant.close()
            continue
        hybrid = assistant
    report["retrieval"] = retrieval
    report["passage_words"] = {"mean": sum(passage_words) / max(len(passage_words), 1),
                               "p95": percentile([float(w) for w in passage_words], 0.95)}
    report["version"] = hybrid.version.name

    # Full answers (hybrid), warm: once for warm-up, then timed.
    hybrid.ask("warm up the models")
    answers = []
    for r in rows:
        answers.append((r, hybrid.ask(r["question"], top_k=top_k, qid=r["id"], threshold=0.0)))
    latencies = [a.latency_ms for _, a in answers]

    curve = threshold_curve([(bool(r.get("answerable", True)), a) for r, a in answers])
    threshold = settings.abstain_threshold
    if calibrate:
        threshold = choose_threshold(curve)
        save_calibration(settings, threshold, curve, questions)
    report["threshold"] = threshold
    point = min(curve, key=lambda p: abs(p["threshold"] - threshold))
    report["abstention"] = {k: point[k] for k in ("precision", "recall", "false_abstention")}

    tops: dict[str, list[str | None]] = {}
    said: dict[str, list[str | None]] = {}  # the sentences read out, markers aside
    for r, a in answers:
        if r.get("group"):
            abstains = a.abstained or a.confidence < threshold
            tops.setdefault(r["group"], []).append(None if abstains or not a.citations else a.citations[0].cite)
            said.setdefault(r["group"], []).append(None if abstains else re.sub(r"\s*\[\d+\]", "", a.text))
    report["group_agreement"] = group_agreement(tops)
    report["group_answer_agreement"] = group_agreement(said)
    report["referrals"] = referral_metrics(answers)
    report["answers"] = answer_metrics(answers, threshold)
    spoken = [float(len(re.sub(r"\[\d+\]", "", a.text).split())) for _, a in answers if a.text]
    report["answer_words"] = {"mean": sum(spoken) / max(len(spoken), 1), "p95": percentile(spoken, 0.95)}
    report["reliability"] = reliability_curve(answers)
    report["latency_ms"] = {"p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95)}
    report["misses"] = [d for d in details if d["rank"] is None or d["rank"] > 5]
    hybrid.close()
    return report


def _referral_lines(ref: dict[str, Any] | None) -> list[str]:
    if not ref:
        return []
    lines = [f"referrals: {ref['referred_right']} of {ref['other_agency']} other-agency questions referred to the "
             f"right agency; {len(ref['wrongly_referred'])} of {ref['uscis']} answerable USCIS questions referred away"]
    if ref["wrongly_referred"]:
        lines.append("  referred away wrongly: " + ", ".join(ref["wrongly_referred"]))
    if ref["missed"]:
        lines.append("  not referred (or to another agency): " + ", ".join(ref["missed"]))
    return lines


def _answer_lines(ans: dict[str, Any] | None, reliability: list[dict[str, Any]] | None) -> list[str]:
    if not ans or not ans["answerable_judged"]:
        return []
    lines = [f"answer text ({ans['answerable_judged']} answerable questions judged by their fact phrases): "
             f"{ans['carries_fact']:.3f} carry the fact, {ans['answered_without_fact']:.3f} answered without it, "
             f"{ans['abstained']:.3f} abstained"]
    if reliability:
        cells = [f"{b['bucket']} {b['right']}/{b['answered']}" for b in reliability if b["answered"]]
        lines.append("reliability (confidence bucket: right/answered): " + ", ".join(cells))
    return lines


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"index {report['version']}: {report['questions']} questions "
        f"({report['answerable']} answerable, {report['unanswerable']} unanswerable)",
        "",
        f"{'retrieval':<16} {'Recall@1':>9} {'Recall@5':>9} {'MRR@10':>8}",
    ]
    for mode, m in report["retrieval"].items():
        lines.append(f"{mode:<16} {m['recall@1']:>9.3f} {m['recall@5']:>9.3f} {m['mrr@10']:>8.3f}")
    if "passage_words" in report:
        pw = report["passage_words"]
        lines.append(f"passages shown (hybrid, top {report.get('top_k', 5)}): {pw['mean']:.0f} words on average, "
                     f"p95 {pw['p95']:.0f}")
    ab = report["abstention"]
    lines += [
        "",
        f"abstention threshold {report['threshold']:.3f}: precision {ab['precision']:.3f}, "
        f"recall {ab['recall']:.3f} (unanswerable abstained), false-abstention {ab['false_abstention']:.3f}",
        f"paraphrase groups agreeing on the top-1 citation: {report['group_agreement']:.3f}; "
        f"on the answer sentences: {report['group_answer_agreement']:.3f}",
        *_answer_lines(report.get("answers"), report.get("reliability")),
        *([f"answer text read out: {report['answer_words']['mean']:.0f} words on average, "
           f"p95 {report['answer_words']['p95']:.0f}"] if "answer_words" in report else []),
        *_referral_lines(report.get("referrals")),
        f"latency (warm ask): p50 {report['latency_ms']['p50']:.1f} ms, p95 {report['latency_ms']['p95']:.1f} ms",
    ]
    if report.get("misses"):
        lines.append("")
        lines.append("answerable questions without a gold passage in the top 5: "
                     + ", ".join(f"{m['id']}" for m in report["misses"]))
    return "\n".join(lines)



def format_comparison(names: list[str], reports: list[dict[str, Any]]) -> str:
    """The headline figures of several question sets side by side (dev, training, held-out)."""
    rows = [
        ("Recall@5 (hybrid)", lambda r: r["retrieval"]["hybrid"]["recall@5"]),
        ("MRR@10 (hybrid)", lambda r: r["retrieval"]["hybrid"]["mrr@10"]),
        ("answer carries the fact", lambda r: r["answers"]["carries_fact"]),
        ("answered without the fact", lambda r: r["answers"]["answered_without_fact"]),
        ("answer words (mean)", lambda r: r["answer_words"]["mean"]),
        ("unanswerable abstained", lambda r: r["abstention"]["recall"]),
        ("answerable abstained", lambda r: r["abstention"]["false_abstention"]),
        ("groups agreeing: top source", lambda r: r["group_agreement"]),
        ("groups agreeing: sentences", lambda r: r["group_answer_agreement"]),
        ("latency p50 ms", lambda r: r["latency_ms"]["p50"]),
        ("latency p95 ms", lambda r: r["latency_ms"]["p95"]),
    ]
    width = max(12, *(len(n) for n in names))
    lines = [f"{'':<28}" + "".join(f"{n:>{width + 2}}" for n in names)]
    for label, get in rows:
        lines.append(f"{label:<28}" + "".join(f"{get(r):>{width + 2}.3f}" for r in reports))
    return "\n".join(lines)
