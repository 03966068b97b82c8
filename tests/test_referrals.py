"""Questions another agency handles are referred there; USCIS questions that name those agencies are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answer.referrals import find_referral
from assistant.cli.main import app
from assistant.records import Answer
from assistant.reports.evaluate import referral_metrics

REFERRED = [
    ("Caller's wife had her immigrant visa interview at the consulate in Lagos. When will they give the passport back?",
     "DOS"),
    ("how long is the wait for a B-2 visa appointment at the US embassy in Bogota", "DOS"),
    ("Consulate put the case in administrative processing after the interview - what now?", "DOS"),
    ("Where does he fill out the DS-260?", "DOS"),
    ("Is the EB-3 date for India current in the visa bulletin this month?", "DOS"),
    ("Newly naturalized caller wants to apply for a U.S. passport for her trip next month", "DOS"),
    ("Caller wants to file a complaint about a rude officer at the port of entry", "CBP"),
    ("They searched my phone at the airport, who do I complain to?", "CBP"),
    ("How does she sign up for Global Entry?", "CBP"),
    ("Is my ESTA still valid for the trip?", "CBP"),
    ("Can he bring cash and food into the US when flying from Lagos?", "CBP"),
    ("Where is my federal tax refund?", "IRS"),
    ("How do I apply for an ITIN for my spouse?", "IRS"),
    ("Caller needs to replace a lost Social Security card", "SSA"),
    ("How does a retiree apply for Social Security retirement benefits?", "SSA"),
    ("Caller wants to apply for SNAP for her family", "STATE"),
    ("How do I enroll my son in CHIP?", "STATE"),
    ("Can he get a driver's license at the DMV with an EAD?", "STATE"),
    ("When is my next immigration court hearing?", "EOIR"),
    ("How do I reschedule a master calendar hearing?", "EOIR"),
    ("Her brother is detained - how do I find someone in ICE custody?", "ICE"),
    ("How does the family pay an immigration bond?", "ICE"),
    ("Where do students pay the SEVIS I-901 fee?", "ICE"),
    ("How long is PERM processing taking right now?", "DOL"),
    ("Employer wants to check the status of the prevailing wage determination", "DOL"),
]

# USCIS questions that name another agency or its programs: they must reach the pages.
NOT_REFERRED = [
    "Does receiving Medicaid count against the applicant in the public charge determination?",
    "Will applying for SNAP hurt my green card application?",
    "Can I ask for a Social Security card on my I-765?",
    "Is a refugee eligible for SSI under 8 U.S.C. 1612?",
    "Which Visa Bulletin chart should I use to file my I-485 this month?",
    "What does 'current' mean in the visa bulletin?",
    "The labor certification was filed before April 30, 2001 - does that grandfather him under 245(i)?",
    "Does the I-140 need an approved labor certification?",
    "Does the sponsor have to send tax returns with the I-864?",
    "How do I get my I-94 from the CBP website?",
    "Can a parolee admitted by CBP at the airport apply for a work permit?",
    "Does USCIS have jurisdiction over the I-485 when the applicant is in removal proceedings?",
    "Should the caller choose consular processing or adjustment of status on the I-130?",
    "What proof of U.S. citizenship can the I-130 petitioner use if she lost her U.S. passport?",
    "Does the 3-year rule apply to naturalization through marriage?",
    "What is the filing fee for Form I-765?",
    "Can an asylee apply for a green card after one year?",
    "Is active duty military service a reason to waive the medical exam fee?",
    "Does the I-864 declaration need money in the bank?",
    "Do the K-1 petitioner and fiancé have to have met in person?",
]


@pytest.mark.parametrize("question, agency", REFERRED)
def test_questions_for_another_agency_are_referred_there(question, agency):
    referral = find_referral(question)
    assert referral is not None and referral.agency == agency, question
    assert referral.name in referral.message and referral.where in referral.message


@pytest.mark.parametrize("question", NOT_REFERRED)
def test_uscis_questions_naming_other_agencies_are_not_referred(question):
    assert find_referral(question) is None


def test_the_service_refers_without_searching_or_quoting(assistant):
    answer = assistant.ask("How do I apply for Medicaid for my kids in Texas?")
    assert answer.abstained and answer.reason == "other-agency" and answer.text == ""
    assert answer.citations == [] and answer.confidence == 0.0
    assert answer.referral == {"agency": "STATE", "name": "the state or local agency that runs the program",
                               "where": "the caller's state government"}
    assert answer.message.startswith("Another agency handles this")


def test_referrals_can_be_turned_off(small_index):
    from assistant.service import Assistant

    searching = Assistant(small_index.model_copy(update={"refer_other_agencies": False}))
    try:
        answer = searching.ask("How do I apply for Medicaid for my kids in Texas?")
    finally:
        searching.close()
    assert answer.reason != "other-agency" and answer.referral is None and answer.citations


def test_a_referral_is_not_mistaken_for_a_case_lookup(assistant):
    """"Status of my ..." reads as a USCIS case lookup; a tax refund is the IRS's."""
    answer = assistant.ask("How do I check the status of my federal tax refund?")
    assert answer.reason == "other-agency" and answer.referral["agency"] == "IRS"


def test_a_case_identifier_still_escalates_first(assistant):
    answer = assistant.ask("Consulate interview wait for A123456789?")
    assert answer.reason == "case-specific" and "A123456789" not in answer.question


def test_cli_prints_the_referral(small_index, monkeypatch):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(small_index.data_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "How do I file a complaint about a CBP officer at the airport?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True and answer["reason"] == "other-agency" and answer["answer"] == ""
    assert answer["referral"]["agency"] == "CBP" and "cbp.gov" in answer["message"]
    plain = runner.invoke(app, ["ask", "How do I file a complaint about a CBP officer at the airport?"])
    assert plain.exit_code == 0 and "U.S. Customs and Border Protection (cbp.gov)" in plain.stdout


# data/eval/referrals.jsonl: two sets ("first", "second"), each written by a helper that had not
# seen these rules: 83 questions for other agencies and 88 USCIS questions, most of which name
# another agency or its programs. The rules were widened on both sets' misses afterwards.
# referrals_holdout.jsonl, a third set written the same way after that, is held out.
REFERRAL_SET = Path(__file__).resolve().parents[1] / "data" / "eval" / "referrals.jsonl"


def _referral_set(name: str = "referrals.jsonl") -> list[dict]:
    path = REFERRAL_SET.with_name(name)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", ["referrals.jsonl", "referrals_holdout.jsonl"])
def test_no_uscis_question_of_the_referral_sets_is_sent_away(name):
    """A wrong referral sends the caller away from an answer USCIS has: none is allowed. (Only this
    is asserted on the held-out set; how many of its other-agency questions are referred is measured
    by `policydesk eval`, not tuned.)"""
    wrong = [(r["id"], ref.agency) for r in _referral_set(name)
             if r["agency"] is None and (ref := find_referral(r["question"])) is not None]
    assert wrong == []


def test_most_questions_for_other_agencies_are_referred_to_the_right_one():
    rows = [r for r in _referral_set() if r["agency"]]
    right = [r for r in rows if (ref := find_referral(r["question"])) and ref.agency == r["agency"]]
    wrong_agency = [r["id"] for r in rows if (ref := find_referral(r["question"])) and ref.agency != r["agency"]]
    assert wrong_agency == []
    assert len(right) >= 0.9 * len(rows), [r["id"] for r in rows if r not in right]


def test_referral_metrics_count_right_agency_misses_and_wrong_referrals():
    def ans(reason=None, agency=None):
        return Answer("q", reason is not None, 0.0, "", [], reason=reason,
                      referral={"agency": agency, "name": "", "where": ""} if agency else None)

    answers = [
        ({"id": "a", "agency": "IRS", "answerable": False}, ans("other-agency", "IRS")),
        ({"id": "b", "agency": "SSA", "answerable": False}, ans("other-agency", "IRS")),  # wrong agency
        ({"id": "c", "topic": "other-agency", "answerable": False}, ans("not-covered")),
        ({"id": "d", "agency": None, "answerable": True}, ans("other-agency", "DOS")),
        ({"id": "e", "agency": None, "answerable": True}, ans()),
        ({"id": "f", "agency": None, "answerable": False}, ans("not-covered")),
    ]
    m = referral_metrics(answers)
    assert (m["other_agency"], m["referred_right"], m["uscis"]) == (3, 1, 2)
    assert m["missed"] == ["b", "c"] and m["wrongly_referred"] == ["d"]
    assert referral_metrics([({"id": "x", "answerable": True}, ans())]) is None
