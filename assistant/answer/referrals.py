"""Questions another agency answers: the agent refers the caller there instead of searching USCIS pages.

A USCIS contact center gets calls that belong elsewhere: a visa interview at an embassy (Department
of State), a complaint about an officer at the airport (CBP), a tax refund (IRS), signing up for
Medicaid (a state agency), an immigration-court date (EOIR), a detained relative (ICE), a PERM
case (Department of Labor). The USCIS pages are full of those agencies' names, so retrieval finds
passages that sound close ("consular waiting rooms", "Medicaid" in the public charge rule) and would
quote them. The contact center's answer is a referral, so PolicyDesk says which agency handles it.

Each rule names a service another agency runs, described by the *action* asked about (apply for
Medicaid, check a court date), not by the agency's name alone: "does receiving Medicaid count for
public charge", "can the I-765 request a Social Security card", "which Visa Bulletin chart does my
I-485 use" and "a labor certification filed before April 30, 2001 for 245(i)" are USCIS questions and
must reach the pages. A rule's `unless` pattern keeps those out, and a question that names USCIS,
one of its forms (agents type "485" for the I-485) or adjustment of status is always searched: it
is at least partly USCIS's to answer. The rules are deliberately narrow: a missed referral still
gets retrieval and the calibrated abstention behind it, while a wrong referral sends the caller
away from an answer USCIS has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Referral:
    agency: str  # short code: DOS, CBP, IRS, SSA, STATE, EOIR, ICE, DOL
    name: str  # how the agent says it to the caller
    where: str  # the agency's public site, or how to find the office
    topic: str  # what the question asked that the agency handles

    def contact(self) -> dict[str, str]:
        """What the answer contract carries: {"agency", "name", "where"}."""
        return {"agency": self.agency, "name": self.name, "where": self.where}

    @property
    def message(self) -> str:
        return (
            f"Another agency handles this ({self.topic}) — refer the caller to {self.name} ({self.where}). "
            "PolicyDesk answers from USCIS's official pages only."
        )


@dataclass(frozen=True)
class _Rule:
    referral: Referral
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I | re.X)


_DOS = ("DOS", "the U.S. Department of State", "travel.state.gov")
_CBP = ("CBP", "U.S. Customs and Border Protection", "cbp.gov")
_IRS = ("IRS", "the Internal Revenue Service", "irs.gov")
_SSA = ("SSA", "the Social Security Administration", "ssa.gov")
_STATE = ("STATE", "the state or local agency that runs the program", "the caller's state government")
_EOIR = ("EOIR", "the Executive Office for Immigration Review (immigration courts)", "justice.gov/eoir")
_ICE = ("ICE", "U.S. Immigration and Customs Enforcement", "ice.gov")
_DOL = ("DOL", "the U.S. Department of Labor", "dol.gov")

# Who asks about public benefits to learn whether they affect an immigration case is asking USCIS.
_PUBLIC_CHARGE = r"public\s+charge|\b(?:affect|hurt|count(?:s|ed)?|held\s+against|penaliz\w*|problem|risk)\b"

_COURT = (
    r"\bimmigration\s+(?:court|judge)s?\b|\bEOIR\b|\bmaster\s+calendar\b|\bremoval\s+(?:hearings?|case)\b"
    r"|\bboard\s+of\s+immigration\s+appeals\b|\bBIA\b"
)
# "Consular processing" is USCIS's topic too (the I-130 asks for it); a consular officer or interview is not.
_CONSULATE = r"\b(?:embassy|embassies|consulate|consulates|consular\s+(?:interview|officer|post|section)s?)\b"
# What a consulate does for a visa applicant abroad: the interview, its wait, the passport it keeps.
_CONSULAR_STEP = (
    r"\b(?:interview\w*|appointment\w*|wait\w*|schedul\w*|visa\s+stamp\w*|administrative\s+processing|221\s*\(g\)"
    r"|expedit\w*|courier|refus\w*)\b"
    r"|\bpassports?\s+back\b|\b(?:return\w*|kept|keep\w*|hold\w*|pick\w*\s+up)\s+(?:\w+\s+){0,2}passports?\b"
)

_TRUSTED_TRAVELER = Referral(*_CBP, "a trusted-traveler program or ESTA")

_RULES: tuple[_Rule, ...] = (
    # Department of State: consular visa processing abroad, the Visa Bulletin's dates, U.S. passports.
    _Rule(Referral(*_DOS, "a visa interview or passport at an embassy or consulate"), _rx(rf"""
        (?:{_CONSULATE}) .{{0,80}} (?:{_CONSULAR_STEP}) | (?:{_CONSULAR_STEP}) .{{0,80}} (?:{_CONSULATE})
    """), unless=_rx(r"\bnaturali[sz]ation\s+(?:interview|oath)|\boath\b")),  # military naturalization abroad
    _Rule(Referral(*_DOS, "the National Visa Center or a State Department visa form"), _rx(r"""
        \bNVC\b | \bnational\s+visa\s+center\b | \bDS-?\s?(?:160|260|261|11|82|64|117|5535|3035|2019)\b
        | \bCEAC\b | \bvisa\s+appointment\w*\b
    """)),
    _Rule(Referral(*_DOS, "this month's Visa Bulletin dates"), _rx(r"""
        \b(?:final\s+action|cut-?\s?off)\s+dates?\b .{0,60} \b(?:for|of|in)\b
        | \bvisa\s+bulletin\b .{0,60}
          \b(?:dates?|current|retrogress\w*|moved?|advanc\w*|come\s+out|released?|published)\b
        | \b(?:when|new|next)\b .{0,30} \bvisa\s+bulletin\b
        | \b(?:dates?|current|retrogress\w*)\b .{0,60} \bvisa\s+bulletin\b
    """), unless=_rx(r"\bchart\b|\badjust\w*|\bwhat\s+(?:is|does)\b.{0,40}\bmean")),
    _Rule(Referral(*_DOS, "a U.S. passport"), _rx(r"""
        \b(?:apply\w*|renew\w*|replac\w*|get|getting|obtain\w*|expedit\w*|lost|stolen)\b .{0,40}
          \b(?:u\.?\s?s\.?|american|us|citizen'?s?)\s+passports?\b
        | \bpassport\s+card\b | \bDS-?\s?11\b
        | (?=.*\b(?:u\.?\s?s\.?|american)\s+citizens?\b) .*\bpassport\b .{0,60} \b(?:renew\w*|replac\w*|expedit\w*)\b
    """), unless=_rx(r"\bproof\b|\bevidence\b")),
    # CBP: what happens at airports and ports of entry, customs, trusted-traveler programs.
    _Rule(Referral(*_CBP, "a complaint about or incident with officers at the border or airport"), _rx(r"""
        \b(?:complain\w*|complaint|grievance|misconduct|mistreat\w*|rude|harass\w*|searched)\b .{0,80}
          \b(?:CBP|border|customs|airport|port\s+of\s+entry|officers?\s+at\s+the\s+(?:airport|border))\b
        | \b(?:CBP|border|customs|airport|port\s+of\s+entry)\b .{0,80}
          \b(?:complain\w*|complaint|grievance|misconduct|mistreat\w*|rude|harass\w*|searched)\b
    """)),
    _Rule(Referral(*_CBP, "an inspection or entry refusal at the border or airport"), _rx(r"""
        \bsecondary\s+inspection\b
        | \b(?:denied|refused)\s+(?:entry|admission)\b | \bturned\s+(?:\w+\s+)?away\b
        | \bsent\s+(?:him|her|them|me)\s+back\b
        | \bexpedited\s+removal\s+at\s+the\s+(?:border|airport)\b
    """), unless=_rx(r"\bwaiver\b|\binadmissib\w*|\beligib\w*")),
    _Rule(Referral(*_CBP, "an I-94 error made at entry"), _rx(r"""
        (?=.*\bI-94\b) (?=.*\b(?:wrong|error|incorrect|mistake\w*|typo)\b)
        (?=.*\b(?:airport|border|port\s+of\s+entry|at\s+entry|upon\s+entry
                |when\s+(?:he|she|they|i)\s+(?:entered|arrived|landed)
                |flew\s+in|CBP)\b)
    """)),
    _Rule(_TRUSTED_TRAVELER, _rx(r"""
        \besta\s+(?:was\s+|got\s+|is\s+)?(?:denied|refused|approv\w*|applica\w*|status|expired?|revoked|pending)\b
    """)),
    _Rule(_TRUSTED_TRAVELER, re.compile(
        r"\b(?:[Gg]lobal [Ee]ntry|[Tt]rusted [Tt]raveler|NEXUS|SENTRI|ESTA|FAST card"
        r"|[Mm]obile [Pp]assport [Cc]ontrol)\b")),
    _Rule(Referral(*_CBP, "customs: declaring or bringing goods or money into the country"), _rx(r"""
        \bcustoms\b .{0,60} \b(?:declar\w*|duty|duties|bring\w*|items|goods|seiz\w*|allowed)\b | \bduty-?\s?free\b
        | \b(?:declar\w*|bring\w*|carry\w*)\b .{0,40}
          \b(?:cash|currency|money|food|fruit|meat|medicine|medication|alcohol
             |plants|pets?|gifts)\b .{0,40} \b(?:into|through|across|when\s+(?:entering|arriving|flying))\b
    """), unless=_rx(r"\baffidavit\b|\bsponsor\w*")),
    # IRS: taxes themselves (a sponsor's tax return *as evidence* for the I-864 is a USCIS matter).
    _Rule(Referral(*_IRS, "a tax refund, return or taxpayer number"), _rx(r"""
        \b(?:tax|irs)\s+refund\w*\b | \brefund\b .{0,30} \b(?:tax|irs)\b
        | \b(?:apply\w*|get|getting|renew\w*|obtain\w*)\b .{0,20} \b(?:an?\s+)?ITIN\b | \bW-7\b
        | \bhow\s+(?:do|can|should|does)\s+(?:i|we|he|she|they)\s+(?:file|pay|do)\s+(?:my|our|his|her|their|the)?\s*
          (?:federal\s+|state\s+)?(?:income\s+)?tax(?:es|\s+returns?)\b
        | \bstimulus\s+(?:check|payment)\w*\b | \bITIN\b | \b(?:form\s+)?(?:1040|W-4|1099)\b | \bback\s+taxes\b
        | \btaxes\s+owed\b | \b(?:claim\w*|deduct\w*)\b .{0,40} \b(?:tax\s+returns?|taxes)\b
        | \btax\s+(?:bill|debt|filing\s+status|residen\w*|return\s+(?:is\s+)?under\s+review)\b
        | \b(?:resident|nonresident)\s+alien\b .{0,40} \btax\w*\b
        | \btax\w*\b .{0,40} \b(?:resident|nonresident)\s+alien\b
    """), unless=_rx(r"\baffidavit\s+of\s+support\b|\bsponsor\w*\b|\bnaturaliz\w*|\bgood\s+moral\b"
                      r"|\btranscripts?\b|\bevidence\b|\bproof\b|\bpublic\s+charge\b")),
    # SSA: Social Security cards and benefits (asking for the SSN on the I-765 is USCIS's).
    _Rule(Referral(*_SSA, "a Social Security card or benefits"), _rx(r"""
        \b(?:replac\w*|lost|stolen|new|apply\w*\s+for|get|getting|correct\w*|update\w*|chang\w*)\b .{0,40}
          \bsocial\s+security\s+cards?\b
        | \bSSA\s+(?:cards?|records?|office|benefits?|letters?)\b | \bearnings\s+(?:statement|record)s?\b
        | \bsocial\s+security\s+(?:cards?|records?|office|benefits?|retirement|disability|payments?|checks?
                                  |statements?)\b
        | \b(?:SSI|SSDI|medicare)\b .{0,40}
          \b(?:payments?|checks?|stopped|cut\s+off|apply\w*|sign\w*\s+up|increase\w*)\b
        | \b(?:apply\w*\s+for|sign\w*\s+up\s+for|check\w*|when\s+will\s+(?:i|he|she|they)\s+get|increase\w*)\b .{0,40}
          \b(?:SSI|SSDI|medicare)\b
    """), unless=_rx(r"\bEAD\b|\bwork\s+permit\b|\bemployment\s+authori[sz]ation\b|\bI-9\b"
                      r"|\beligib\w*|\bqualif\w*|\bentitled\b|\breceiv\w*|\bcredits?\b|\bquarters\b|"
                      + _PUBLIC_CHARGE)),
    # State and local agencies: public-benefit enrolment, driving licences and state IDs.
    _Rule(Referral(*_STATE, "applying for a state-run benefit"), _rx(r"""
        \b(?:apply\w*|sign\w*\s+up|enrol\w*|register\w*|renew\w*|recertif\w*)\b .{0,40}
          \b(?:medicaid|medi-cal|snap|food\s+stamps|chip|wic|tanf|cash\s+assistance
             |unemployment\s+(?:benefits|insurance)
             |housing\s+assistance)\b
        | \b(?:medicaid|medi-cal|snap|food\s+stamps|chip|wic|tanf)\b .{0,40}
          \b(?:denied|denial|appeal\w*|case\s?workers?|office|card|stopped|cut\s+off|recertif\w*)\b
        | \bfile\s+for\s+unemployment\b | \bunemployment\s+(?:claims?|office|benefits\s+(?:denied|stopped))\b
    """), unless=_rx(_PUBLIC_CHARGE)),
    _Rule(Referral(*_STATE, "a driver's license or state ID"), _rx(r"""
        \bDMV\b | \bREAL\s?ID\b | \bmotor\s+vehicles?\b
        | \b(?:apply\w*|get|getting|renew\w*|obtain\w*)\b .{0,30} \b(?:driver'?s?|driving)\s+licen[cs]e\b
        | \bstate\s+(?:id|identification)\s+card\b
    """)),
    # EOIR: the immigration courts' own calendar and case status (whether USCIS or the judge has
    # jurisdiction over an application is a USCIS policy question).
    _Rule(Referral(*_EOIR, "an immigration court hearing or case"), _rx(rf"""
        (?:{_COURT}) .{{0,60}} \b(?:when|date|status|reschedul\w*|postpon\w*|moved|find|check\w*|look\s+up|address
           |location|where|continuance|venue|reopen\w*|pending)\b
        | \b(?:reschedul\w*|postpon\w*|find|check\w*|look\s+up|where\s+is|change\s+(?:my|the|his|her)\s+address
             |when\s+(?:is|was)\s+(?:my|our|his|her|their|the)\s|date\s+of\s+(?:my|our|his|her|their|the)\s+next
             |mov\w*\s+to|transfer\w*\s+to|change\s+of\s+venue|reopen\w*|in\s+absentia|update\w*\s+(?:\w+\s+){{0,2}}address)
          .{{0,60}} (?:{_COURT})
        | \bchange\s+(?:of\s+)?venue\b | \bin\s+absentia\b .{{0,80}} \breopen\w*
        | \bnotice\s+to\s+appear\b .{{0,60}} \b(?:no\s+date|hearing\s+date|date\s+of\s+(?:the|my|his|her)\s+hearing)
        | \b(?:when|date)\b .{{0,20}} \b(?:my|his|her|their|our)\s+(?:next\s+)?(?:court\s+)?hearing\b
    """),
          unless=_rx(r"\bjurisdiction\b|\bclock\b|\bEAD\b|\bwork\s+permit\b|\bemployment\s+authori[sz]ation\b")),
    # ICE: detention, bonds, check-ins, removal; and SEVP, which collects the SEVIS I-901 fee.
    _Rule(Referral(*_ICE, "detention, a bond, a check-in or removal"), _rx(r"""
        \bdetainee\s+locator\b | \bICE\s+(?:custody|detention|check-?\s?ins?|office|officers?|agents?|raid\w*)\b
        | \b(?:find|locate|where\s+is|visit\w*)\b .{0,40} \b(?:detained|detention|in\s+custody)\b
        | \b(?:immigration|delivery|ICE)\s+bonds?\b | \b(?:pay\w*|post\w*)\b .{0,20} \bbond\b
        | \bremoval\s+flights?\b | \b(?:which|what)\s+(?:facility|detention\s+center)\b
        | \bpicked\s+up\s+by\s+immigration\b
        | \bbond\s+(?:refund|obligor|cancel\w*)\b
        | \bcheck-?\s?in\s+with\s+(?:ICE|ERO|deportation)\b | \bdeportation\s+(?:flight|date)\b
        | \b(?:picked\s+up|arrested|detained|taken|held)\s+by\s+ICE\b | \border\s+of\s+supervision\b | \bERO\b
        | \bwhere\s+(?:he|she|they)\s+(?:is|are)\s+being\s+(?:held|detained)\b
    """)),
    _Rule(Referral(*_ICE, "the SEVIS I-901 fee (ICE's Student and Exchange Visitor Program)"), _rx(r"""
        \b(?:pay\w*|payment|receipt|refund\w*|confirm\w*)\b .{0,30} \b(?:SEVIS|I-901)\b
        | \b(?:SEVIS|I-901)\s+fee\b .{0,30} \b(?:pay\w*|how|where|refund\w*|receipt)\b
    """)),
    # Department of Labor: the labor certification and LCA process itself, and workers' wage complaints.
    _Rule(Referral(*_DOL, "a worker's wage complaint"), _rx(r"""
        \b(?:isn'?t|not|never|hasn'?t|stopped)\s+(?:been\s+)?pa(?:ying|id)\b .{0,60} \bwages?\b | \bwage\s+theft\b
        | \bunpaid\s+wages\b
        | \b(?:report|complain\w*)\b .{0,40} \bemployer\b .{0,40} \b(?:wages?|pay|paid|paying|overtime)\b
    """), unless=_rx(r"\bpetition\w*")),
    _Rule(Referral(*_DOL, "a labor certification, prevailing wage or LCA case"), _rx(r"""
        \bFLAG\s+(?:account|system|portal)\b
        | \b(?:submit|file)\w*\s+(?:the\s+|a\s+)?(?:ETA-?\s?)?(?:9089|9035|9141)\b |
        \b(?:PERM|labor\s+certifications?|prevailing\s+wage(?:\s+determinations?)?|PWD|LCA
           |labor\s+condition\s+applications?|ETA-?\s?9089|ETA-?\s?9035|ETA-?\s?9141)\b .{0,50}
          \b(?:status|processing\s+times?|how\s+long|audit\w*|pending|check\w*|submit\w*|backlog|taking
             |fix\w*|correct\w*|amend\w*|withdraw\w*|wrong)\b
        | \b(?:status|processing\s+times?|how\s+long|audit\w*|check\w*|backlog
             |how\s+(?:to|do|does|can)\s+(?:\w+\s+){0,3}file|fix\w*|correct\w*|amend\w*)\b .{0,50}
          \b(?:PERM|labor\s+certifications?|prevailing\s+wage\s+determinations?|PWD|LCA
             |labor\s+condition\s+applications?)\b
    """), unless=_rx(r"245\s*\(i\)|grandfather\w*|schedule\s+A\b")),
)


# USCIS's own matters, checked before any rule (so no rule repeats them in its `unless`). I-94
# (CBP's record) and I-901 (ICE's SEVIS fee) are other agencies' forms;
# bare numbers are only those of USCIS forms that are not also everyday quantities.
_USCIS_MATTER = _rx(r"""
    \bUSCIS\b | \b[IN]-?\s?(?!94\b|901\b)\d{2,3}[A-Z]?\b | \b(?:485|765|130|140|131|751|864|589)\b
    | \badjust\w*\s+(?:of\s+)?status\b | \bgreen\s+card\s+(?:application|interview)
""")


def find_referral(question: str) -> Referral | None:
    """The agency that handles this question, or None when it is (or may be) USCIS's to answer."""
    if _USCIS_MATTER.search(question):
        return None
    for rule in _RULES:
        if rule.pattern.search(question) and not (rule.unless and rule.unless.search(question)):
            return rule.referral
    return None
