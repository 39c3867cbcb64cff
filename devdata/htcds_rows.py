"""Fictional HTCDS files of any size, for measuring and testing the import (issue 18).

`fictional_rows(count)` writes `count` rows as a sender fills IOM's template with the Cầu Nối
extension: every status a case can reach, identification decisions and their dates, incidents
shared by two to four people with their offenders and criminal case number, picklists, a
second citizenship, the sender's consent, provinces of before 2025 written by name, and
reception dates over three years (so about two thirds are historic records by the default
cut-off, decision 120). `same_people_as` makes a share of the rows the same people as those of
another seed's file (name, birth year, home province; of its first `same_people_count` rows when
given), so importing both files into two agencies writes possible-duplicate notes (decision 5).
Everything is drawn from a seeded generator: the same arguments give the same file. Names are
composed from parts (`devdata.scale.names`) and belong to nobody.
"""

import csv
import datetime
import io
import random

from devdata.scale.names import person_name

# (cnx_CaseStatus, vic_TraffickingStatus, weight): every status an import can reach.
STATUSES = [
    ("reported", "PossibleVictimOfTrafficking", 14),
    ("verifying", "PossibleVictimOfTrafficking", 6),
    ("identifying", "PossibleVictimOfTrafficking", 4),
    ("identified", "ActualVictimOfTrafficking", 22),
    ("supporting", "ActualVictimOfTrafficking", 14),
    ("reintegrating", "ActualVictimOfTrafficking", 10),
    ("closed", "ActualVictimOfTrafficking", 14),
    ("not_identified", "NotAVictimOfTrafficking", 10),
    ("closed", "NotAVictimOfTrafficking", 6),
]
DECIDED = {"identified", "supporting", "reintegrating", "not_identified"}
# Home provinces as senders write them: current names, codes, and names of before 2025.
HOME_PROVINCES = ["Lào Cai", "Hà Giang", "Yên Bái", "Điện Biên", "Sơn La", "Nghệ An", "Thanh Hóa", "Hòa Bình", "LCA"]
RECEPTION_PROVINCES = ["LCA", "TQ", "DB", "SL", "NA", "TH", "HN"]
ETHNIC_GROUPS = ["01", "02", "03", "04", "08", "12"]
DESTINATIONS = ["CN", "CHN", "KH", "LA", "MY", "TH", ""]
CAME_TO_NOTICE = ["border_handover", "rescue", "self_report", "hotline_111", "ngo_referral", "mission_return"]
RETURN_MODES = ["handed_over", "rescued", "self_returned", ""]
DECISION_ORGS = ["Police", "CourtOrProsecution", "NonPoliceGovernmentalOrganization", ""]
EXPLOITATION = [
    ("ForcedMarriage", "", ""),
    ("ForcedLabour", "A_AgricultureForestryAndFishing", ""),
    ("ForcedLabour", "C_Manufacturing", ""),
    ("SexualExploitation", "", "Prostitution"),
    ("SexualExploitation", "", "RemoteInteractiveServices"),
    ("ForcedLabour;SexualExploitation", "I_AccommodationAndFoodServiceActivities", "PrivateSexualServices"),
]
CONTROL = ["DebtBondage", "FalsePromises", "PhysicalThreats", "WithholdsDocuments", "PsychologicalAbuse"]
RECRUITMENT = ["ThroughOnlineSocialNetworks", "ThroughFriendsOrSocialEvents", "AtWork", "ThroughFamilyOrFamilyEvents"]
ROLES = ["RecruiterOrIntermediary", "Transporter", "BrokerTravelAgent", "Exploiter", "Smuggler"]

# The columns of IOM's template that Cầu Nối keeps (docs/htcds.md), in the template's order:
# a file fills them all, and tests/exchange/test_htcds_template.py checks each comes back.
KEPT_TEMPLATE_COLUMNS = [
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_MobilePhone",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "vic_TraffickingStatus",
    "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "cas_Status",
    "cas_ReasonForCaseClosure",
]
COLUMNS = [
    "cas_CaseOwner",
    *KEPT_TEMPLATE_COLUMNS,
    "cnx_ExternalId",
    "cnx_Reference",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
    "cnx_CameToNotice",
    "cnx_ReturnMode",
    "cnx_CaseStatus",
    "cnx_Ethnicity",
    "cnx_BirthYear",
    "cnx_DestinationCountry",
    "cnx_IdentifiedOn",
    "cnx_IncidentId",
    "cnx_CriminalCaseNumber",
    "per_RoleInProcess",
]

TZ = datetime.timezone(datetime.timedelta(hours=7))


def _person(rng: random.Random) -> dict[str, str]:
    """Who the person is: the cells that decide whether two rows are the same person."""
    ethnicity = rng.choice(ETHNIC_GROUPS)
    female = rng.random() < 0.78
    name = person_name(rng, female=female, ethnicity_code=ethnicity).split()
    return {
        "prs_FirstName": name[-1],
        "prs_SecondName": " ".join(name[:-1]),
        "prs_Gender": "Feminine" if female else "Masculine",
        "cnx_Ethnicity": ethnicity,
        "birth_year": str(rng.randint(1968, 2010)),
        "prs_MailingState": rng.choice(HOME_PROVINCES),
    }


def fictional_rows(
    count: int,
    *,
    seed: int = 0,
    now: datetime.datetime | None = None,
    same_people_as: int | None = None,
    same_people_count: int = 0,
    same_share: float = 0.1,
    incident_share: float = 0.3,
) -> list[dict[str, str]]:
    """`count` rows of cells (column → text); see the module's docstring."""
    rng = random.Random(f"htcds-{seed}")
    now = (now or datetime.datetime.now(TZ)).astimezone(TZ).replace(microsecond=0)
    rows: list[dict[str, str]] = []
    incident_left, incident = 0, {}
    for number in range(1, count + 1):
        # Each row's person has a generator of its own, so another file's n-th person is known.
        person = _person(random.Random(f"htcds-person-{seed}-{number}"))
        if same_people_as is not None and rng.random() < same_share:
            theirs = (number - 1) % same_people_count + 1 if same_people_count else number
            person = _person(random.Random(f"htcds-person-{same_people_as}-{theirs}"))
        status, trafficking, _weight = rng.choices(STATUSES, weights=[s[2] for s in STATUSES])[0]
        received = now - datetime.timedelta(days=rng.randint(2, 3 * 365), minutes=rng.randint(0, 1440))
        received_on = received.date()
        row = dict.fromkeys(COLUMNS, "")
        row.update({key: value for key, value in person.items() if key in row})
        year = int(person["birth_year"])
        if rng.random() < 0.7:
            birth = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            row["prs_Birthdate"] = birth.isoformat()
        else:
            row["cnx_BirthYear"] = str(year)
        exploitation, industry, sexual = rng.choice(EXPLOITATION)
        row.update(
            {
                "cas_CaseOwner": rng.choice(["CA-LaoCai-PC02", "BP-LaoCai", "NGO-HopeHouse-LC"]),
                "prs_Citizenship": "VN;CN" if rng.random() < 0.05 else "VN",
                "prs_MobilePhone": f"+8491{rng.randint(0, 9999999):07d}" if rng.random() < 0.5 else "",
                "prs_MailingCountry": "VN",
                "prs_MailingStreet": f"Thôn {rng.randint(1, 30)}, xã hư cấu {rng.randint(1, 200)}",
                "con_Consent": rng.choice(["TRUE", "FALSE", "", ""]),
                "vic_TraffickingStatus": trafficking,
                "vic_MethodOfRecruitment": rng.choice(RECRUITMENT),
                "vic_MethodsOfControl": ";".join(sorted(rng.sample(CONTROL, rng.randint(0, 3)))),
                "vic_TypeOfExploitation": exploitation,
                "vic_ForcedLabourIndustry": industry,
                "vic_TypeOfSexExploitation": sexual,
                "cas_Status": "Closed" if status == "closed" else "Active",
                "cnx_ExternalId": f"GEN-{seed}-{number:06d}",
                "cnx_Reference": f"SRC-{seed}-{number:06d}",
                "cnx_ReceivedAt": received.isoformat(),
                "cnx_ReceptionProvince": rng.choice(RECEPTION_PROVINCES),
                "cnx_CameToNotice": rng.choice(CAME_TO_NOTICE),
                "cnx_ReturnMode": rng.choice(RETURN_MODES),
                "cnx_CaseStatus": status,
                "cnx_DestinationCountry": rng.choice(DESTINATIONS),
            }
        )
        if status in DECIDED or (status == "closed" and trafficking == "ActualVictimOfTrafficking"):
            decided_on = min(received_on + datetime.timedelta(days=rng.randint(0, 40)), now.date())
            row["vic_TraffickinStatusDecisionMakingOrg"] = rng.choice(DECISION_ORGS)
            if trafficking == "ActualVictimOfTrafficking":
                row["cnx_IdentifiedOn"] = decided_on.isoformat()
        if status == "closed":
            row["cas_ReasonForCaseClosure"] = rng.choice(["Đã tái hòa nhập", "Chuyển đi nơi khác", ""])
        if incident_left == 0 and rng.random() < incident_share:
            incident_left = rng.randint(2, 4)
            key = f"INC-{seed}-{number:06d}"
            roles = ";".join(rng.sample(ROLES, rng.randint(1, 3)))
            incident = {"cnx_IncidentId": key, "cnx_CriminalCaseNumber": f"{number}/HS-HC", "per_RoleInProcess": roles}
        if incident_left:
            row.update(incident)
            incident_left -= 1
        rows.append(row)
    return rows


def as_csv(rows: list[dict[str, str]]) -> bytes:
    """The rows as a UTF-8 CSV file, the header first."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
