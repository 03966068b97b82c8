"""INA section <-> 8 U.S.C. section crosswalk (Immigration and Nationality Act, 8 U.S.C. ch. 12).

Agents and policy pages cite the same provision two ways ("INA 316" and "8 U.S.C. 1427"); the
statute corpus is organised by U.S. Code section, the Policy Manual mostly by INA section. The
table is written out by hand because the offset between the two numberings is irregular (240A
is 1229b, 244 is 1254a, 311 is 1422 but 301 is 1401). Only sections we are sure of are listed;
anything else maps to None rather than to a guess.

Pure data and pure functions: `ingest` must not import `assistant`.
"""

from __future__ import annotations

import re

# INA section -> 8 U.S.C. section (section level; subsections carry over unchanged).
INA_TO_USC: dict[str, str] = {
    # Title I: general
    "101": "1101",
    "102": "1102",
    "103": "1103",
    "104": "1104",
    "105": "1105",
    "106": "1105a",
    # Title II chapter 1: selection system
    "201": "1151",
    "202": "1152",
    "203": "1153",
    "204": "1154",
    "205": "1155",
    "206": "1156",
    "207": "1157",
    "208": "1158",
    "209": "1159",
    "210": "1160",
    # Title II chapter 2: admission qualifications
    "211": "1181",
    "212": "1182",
    "213": "1183",
    "213A": "1183a",
    "214": "1184",
    "215": "1185",
    "216": "1186a",
    "216A": "1186b",
    "217": "1187",
    "218": "1188",
    "219": "1189",
    # Title II chapter 3: visas
    "221": "1201",
    "222": "1202",
    "223": "1203",
    "224": "1204",
    # Title II chapter 4: inspection, apprehension, removal
    "231": "1221",
    "232": "1222",
    "233": "1223",
    "234": "1224",
    "235": "1225",
    "235A": "1225a",
    "236": "1226",
    "236A": "1226a",
    "237": "1227",
    "238": "1228",
    "239": "1229",
    "240": "1229a",
    "240A": "1229b",
    "240B": "1229c",
    "241": "1231",
    "242": "1252",
    "243": "1253",
    "244": "1254a",
    # Title II chapter 5: adjustment and change of status
    "245": "1255",
    "245A": "1255a",
    "246": "1256",
    "247": "1257",
    "248": "1258",
    "249": "1259",
    "250": "1260",
    # Title II chapter 6: alien crewmen
    "251": "1281",
    "252": "1282",
    "253": "1283",
    "254": "1284",
    "255": "1285",
    "256": "1286",
    "257": "1287",
    "258": "1288",
    # Title II chapter 7: registration
    "261": "1301",
    "262": "1302",
    "263": "1303",
    "264": "1304",
    "265": "1305",
    "266": "1306",
    # Title II chapter 8: penalties
    "271": "1321",
    "272": "1322",
    "273": "1323",
    "274": "1324",
    "274A": "1324a",
    "274B": "1324b",
    "274C": "1324c",
    "275": "1325",
    "276": "1326",
    "277": "1327",
    "278": "1328",
    "279": "1329",
    "280": "1330",
    # Title II chapter 9: miscellaneous
    "281": "1351",
    "282": "1352",
    "283": "1353",
    "284": "1354",
    "285": "1355",
    "286": "1356",
    "287": "1357",
    "288": "1358",
    "289": "1359",
    "290": "1360",
    "291": "1361",
    "292": "1362",
    # Title III chapter 1: nationality at birth and collective naturalization
    "301": "1401",
    "302": "1402",
    "303": "1403",
    "304": "1404",
    "305": "1405",
    "306": "1406",
    "307": "1407",
    "308": "1408",
    "309": "1409",
    # Title III chapter 2: naturalization
    "310": "1421",
    "311": "1422",
    "312": "1423",
    "313": "1424",
    "314": "1425",
    "315": "1426",
    "316": "1427",
    "317": "1428",
    "318": "1429",
    "319": "1430",
    "320": "1431",
    "321": "1432",  # repealed 2001 (Child Citizenship Act) but still cited for older cases
    "322": "1433",
    "324": "1435",
    "325": "1436",
    "327": "1438",
    "328": "1439",
    "329": "1440",
    "330": "1441",
    "331": "1442",
    "332": "1443",
    "333": "1444",
    "334": "1445",
    "335": "1446",
    "336": "1447",
    "337": "1448",
    "338": "1449",
    "339": "1450",
    "340": "1451",
    "341": "1452",
}

USC_TO_INA: dict[str, str] = {usc: ina for ina, usc in INA_TO_USC.items()}

# "316", "INA 316", "INA § 316(a)(1)", "section 245(i)", "240a" -> ("240A", "(a)(1)")
_INA_REF = re.compile(
    r"^\s*(?:INA\s*)?(?:(?:section|sec\.?)\s*)?(?:§+\s*)?(\d{3})([A-Za-z]?)((?:\([A-Za-z0-9]+\))*)\s*$",
    re.I,
)
# "1427", "8 U.S.C. 1427(a)", "8 USC § 1254a", "1440-1" -> ("1427", "(a)")
_USC_REF = re.compile(
    r"^\s*(?:8\s*U\.?\s*S\.?\s*C\.?\s*)?(?:§+\s*)?(\d{4})([A-Za-z]?(?:-\d)?)((?:\([A-Za-z0-9]+\))*)\s*$",
    re.I,
)


def ina_to_usc(section: str) -> str | None:
    """'316', 'INA 316', 'INA § 316(a)' -> '8 U.S.C. 1427' / '8 U.S.C. 1427(a)'; unknown -> None.

    Subsection designators are carried over verbatim: the INA and the Code share them.
    """
    m = _INA_REF.match(section)
    if not m:
        return None
    usc = INA_TO_USC.get(m.group(1) + m.group(2).upper())
    return f"8 U.S.C. {usc}{m.group(3)}" if usc else None


def usc_to_ina(section: str) -> str | None:
    """'1427', '8 U.S.C. 1427(a)', '8 USC § 1254a' -> 'INA 316' / 'INA 316(a)'; unknown -> None."""
    m = _USC_REF.match(section)
    if not m:
        return None
    ina = USC_TO_INA.get(m.group(1) + m.group(2).lower())
    return f"INA {ina}{m.group(3)}" if ina else None
