"""Contact-center words -> the words official pages use, added to the question for retrieval.

Callers and agents say "work permit", "green card", "fiance"; the Policy Manual and form pages say
"employment authorization", "permanent resident", "fiancé(e)". BM25 only matches shared tokens,
so each colloquial term found in the question adds its official wording (the question itself is
kept as typed for display and logging). The table is a general glossary of USCIS vocabulary,
not tuned to any question set.
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    "work permit": "employment authorization document EAD Form I-765",
    "work card": "employment authorization document EAD Form I-765",
    "work authorization": "employment authorization",
    "ead": "employment authorization document",
    "green card": "permanent resident card lawful permanent residence adjustment of status",
    "greencard": "permanent resident card lawful permanent residence",
    "citizenship": "naturalization",
    "citizenship application": "naturalization Form N-400",
    "fiance": "fiancé(e) K-1",
    "fiancee": "fiancé(e) K-1",
    "fiancé": "fiancé(e) K-1",
    "k-1": "fiancé(e) Form I-129F",
    "k1": "K-1 fiancé(e) Form I-129F",
    "fee waiver": "request for fee waiver Form I-912",
    "photos": "passport-style photographs",
    "pictures": "passport-style photographs",
    "medical exam": "immigration medical examination Form I-693 civil surgeon",
    "medicals": "immigration medical examination Form I-693",
    "vaccine": "vaccination",
    "covid": "COVID-19",
    "coronavirus": "COVID-19",
    "asylee": "asylum",
    "fingerprints": "biometrics",
    "daca": "Deferred Action for Childhood Arrivals Form I-821D",
    "tps": "Temporary Protected Status",
    "eb-1": "extraordinary ability outstanding professors and researchers priority workers",
    "eb1": "extraordinary ability outstanding professors and researchers priority workers",
    "eb-1a": "extraordinary ability",
    "o-1": "extraordinary ability or achievement",
    "o-1a": "extraordinary ability sciences education business athletics",
    "o-1b": "extraordinary ability arts motion picture television",
    "self-petition": "petition for himself or herself no job offer",
    "sponsor": "affidavit of support Form I-864",
    "joint sponsor": "joint sponsor affidavit of support Form I-864",
    "household member": "household member Form I-864A contract",
    "kids": "children",
    "wife": "spouse",
    "husband": "spouse",
    "divorced": "divorce termination of marriage",
    "usps": "U.S. Postal Service",
    "fedex": "courier express deliveries",
    "ups": "courier express deliveries",
    "mailing address": "where to file lockbox address",
    "where to mail": "where to file lockbox address",
    "lockbox": "USCIS lockbox filing address P.O. Box",
    "denied": "denial",
    "rejected": "rejection reject",
    "deadline": "filing deadline within",
    "h-1b cap": "H-1B registrations cap fiscal year",
    "travel": "advance parole travel document",
}

_TERMS = sorted(GLOSSARY, key=len, reverse=True)
_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in _TERMS) + r")(?![\w-])", re.I)


def expand_query(text: str) -> str:
    """`text` plus the official wording of each colloquial term it contains (each added once)."""
    added: list[str] = []
    for m in _PATTERN.finditer(text):
        extra = GLOSSARY[m.group(1).lower()]
        if extra.lower() not in text.lower() and extra not in added:
            added.append(extra)
    return f"{text} ({'; '.join(added)})" if added else text
