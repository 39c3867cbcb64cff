"""HTCDS 2.0 columns, their sensitivity classes and the mappings to Cầu Nối values."""

from casework import actions
from casework.models import (
    Offender,
    PersonStatus,
    PicklistValue,
    SensitivityClass,
    Sex,
)

CORE = SensitivityClass.CORE.value
IDENTITY = SensitivityClass.IDENTITY.value
INVESTIGATION = SensitivityClass.INVESTIGATION.value
SHELTER = SensitivityClass.SHELTER.value
EXPORT_CLASSES = frozenset({CORE, IDENTITY, INVESTIGATION, SHELTER})

# IOM's template, row 1, in its order.
TEMPLATE_COLUMNS = [
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",  # unnamed in the template
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
]
EXTENSION_COLUMNS = [
    "cnx_ExternalId",
    "cnx_Reference",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
    "cnx_CameToNotice",
    "cnx_ReturnMode",
    "cnx_PersonStatus",
    "cnx_CaseStatus",
    "cnx_IsChild",
    "cnx_Ethnicity",
    "cnx_BirthYear",
    "cnx_DestinationCountry",
    "cnx_IdentifiedOn",
    "cnx_LegalRegime",
    "cnx_IncidentId",
    "cnx_CriminalCaseNumber",
    "per_RoleInProcess",
]
COLUMNS = TEMPLATE_COLUMNS + EXTENSION_COLUMNS

# The template's layout: column A is unnamed (it numbers the rows from 1 in the data rows),
# row 1 names the columns, row 2 labels them (the template's own labels, in its order, which
# for the mailing address is not that of the names above), data from row 3. The column IOM
# left unnamed keeps its blank header; its label says what it is.
UNNAMED_COLUMNS = {"cas_ReasonForOutgoingReferral"}
TEMPLATE_LABELS = [
    "Case Owner",
    "Salutation",
    "First Name",
    "Second Name",
    "Consent",
    "Birthdate",
    "Gender",
    "Citizenship",
    "Title",
    "Email",
    "Home Phone",
    "Mobile Phone",
    "Mailing Street",
    "Mailing City",
    "Mailing State/Province",
    "Mailing Zip/Postal Code",
    "Mailing Country",
    "Trafficking Status",
    "Trafficking Status Decision Making Organization",
    "Method of Recruitment",
    "Location of Recruitment",
    "Methods of Control",
    "Type of Exploitation",
    "Forced Labour Industry",
    "Type of Sex Exploitation",
    "Location of Exploitation",
    "Status",
    "Referring Organisation",
    "Incoming Referral Date",
    "Referring Primary Case Worker",
    "Reason for Incoming Referral",
    "Incoming Referral Details",
    "Referred Organisation",
    "Referred Primary Case Worker",
    "Reason for Outgoing Referral",
    "Outgoing Referral Date",
    "Outgoing Referral Details",
    "Reason for Case Closure",
]
EXTENSION_LABELS = [
    "Cầu Nối: ID in the Source System",
    "Cầu Nối: Case Reference",
    "Cầu Nối: Received At",
    "Cầu Nối: Province of Reception",
    "Cầu Nối: How the Case Came to Notice",
    "Cầu Nối: How the Person Returned",
    "Cầu Nối: Person Status",
    "Cầu Nối: Case Status",
    "Cầu Nối: Under 18 at Reception",
    "Cầu Nối: Ethnicity",
    "Cầu Nối: Year of Birth",
    "Cầu Nối: Destination Country",
    "Cầu Nối: Identified On",
    "Cầu Nối: Legal Regime",
    "Cầu Nối: Incident",
    "Cầu Nối: Criminal Case Number",
    "Offenders' Roles in the Process",
]
# Row 1 and row 2 of an export, column A included.
HEADER_ROW = [None, *(None if name in UNNAMED_COLUMNS else name for name in COLUMNS)]
LABEL_ROW = [None, *TEMPLATE_LABELS, *EXTENSION_LABELS]

# The class each column needs, one explicit row per column (decision 170): the writer blanks a
# column on the row of a case whose exporter lacks its class, and a test fails when a column is
# added without one. What the case page shows a holder is the rule: the person's details need
# `identity`, the incident `investigation`. A referral names the agency the person was sent to
# (the Peace House where she lives) and why; the case page shows referrals only to the lead and
# to the agencies at their ends (decision 13) and where she stays only to holders of `shelter`,
# so the referral columns need `shelter`, and only the referrals the exporter's agency would see
# on the case page fill them (`export.Viewer`).
COLUMN_CLASSES: dict[str, str] = {
    "cas_CaseOwner": CORE,
    "prs_Salutation": IDENTITY,
    "prs_FirstName": IDENTITY,
    "prs_SecondName": IDENTITY,
    "con_Consent": CORE,
    "prs_Birthdate": IDENTITY,
    "prs_Gender": IDENTITY,
    "prs_Citizenship": IDENTITY,
    "prs_Title": IDENTITY,
    "prs_Email": IDENTITY,
    "prs_HomePhone": IDENTITY,
    "prs_MobilePhone": IDENTITY,
    "prs_MailingCity": IDENTITY,
    "prs_MailingCountry": IDENTITY,
    "prs_MailingState": IDENTITY,
    "prs_MailingStreet": IDENTITY,
    "prs_MailingPostalCode": IDENTITY,
    "vic_TraffickingStatus": CORE,
    "vic_TraffickinStatusDecisionMakingOrg": CORE,
    "vic_MethodOfRecruitment": CORE,
    "vic_LocationOfRecruitment": CORE,
    "vic_MethodsOfControl": CORE,
    "vic_TypeOfExploitation": CORE,
    "vic_ForcedLabourIndustry": CORE,
    "vic_TypeOfSexExploitation": CORE,
    "vic_LocationOfExploitation": CORE,
    "cas_Status": CORE,
    "cas_ReferringOrganisation": SHELTER,
    "cas_IncomingReferralDate": SHELTER,
    "cas_ReferringPrimaryCaseWorker": SHELTER,
    "cas_ReasonForIncomingReferral": SHELTER,
    "cas_IncomingReferralDetails": SHELTER,
    "cas_ReferredOrganisation": SHELTER,
    "cas_ReferredPrimaryCaseWorker": SHELTER,
    "cas_ReasonForOutgoingReferral": SHELTER,
    "cas_OutgoingReferralDate": SHELTER,
    "cas_OutgoingReferralDetails": SHELTER,
    "cas_ReasonForCaseClosure": CORE,
    "cnx_ExternalId": CORE,
    "cnx_Reference": CORE,
    "cnx_ReceivedAt": CORE,
    "cnx_ReceptionProvince": CORE,
    "cnx_CameToNotice": CORE,
    "cnx_ReturnMode": CORE,
    "cnx_PersonStatus": CORE,
    "cnx_CaseStatus": CORE,
    "cnx_IsChild": CORE,
    "cnx_Ethnicity": IDENTITY,
    "cnx_BirthYear": IDENTITY,
    "cnx_DestinationCountry": CORE,
    "cnx_IdentifiedOn": CORE,
    "cnx_LegalRegime": CORE,
    "cnx_IncidentId": INVESTIGATION,
    "cnx_CriminalCaseNumber": INVESTIGATION,
    "per_RoleInProcess": INVESTIGATION,
}


def column_class(name: str) -> str:
    """The sensitivity class of a column (KeyError for a column the table does not know)."""
    return COLUMN_CLASSES[name]


GENDER_TO_HTCDS = {
    Sex.FEMALE: "Feminine",
    Sex.MALE: "Masculine",
    Sex.OTHER: "NonConforming",
    Sex.UNKNOWN: "NonSpecifiedUnknown",
}
GENDER_FROM_HTCDS = {
    "Feminine": Sex.FEMALE,
    "Masculine": Sex.MALE,
    "TransgenderFeminine": Sex.OTHER,
    "TransgenderMasculine": Sex.OTHER,
    "NonConforming": Sex.OTHER,
    "NonSpecifiedUnknown": Sex.UNKNOWN,
}
TRAFFICKING_STATUS = {
    PersonStatus.VICTIM: "ActualVictimOfTrafficking",
    PersonStatus.IN_IDENTIFICATION: "PossibleVictimOfTrafficking",
    PersonStatus.NOT_VICTIM: "NotAVictimOfTrafficking",
    PersonStatus.ACCOMPANYING_CHILD: "NotAVictimOfTrafficking",
}
# The person status a bare HTCDS status stands for, when cnx_PersonStatus does not say.
PERSON_STATUS_FROM_HTCDS = {
    "ActualVictimOfTrafficking": PersonStatus.VICTIM,
    "PossibleVictimOfTrafficking": PersonStatus.IN_IDENTIFICATION,
    "NotAVictimOfTrafficking": PersonStatus.NOT_VICTIM,
}
DECISION_ORG_BY_KIND = {
    "police": "Police",
    "border_guard": "Police",
    "coast_guard": "Police",
    "social_protection": "NonPoliceGovernmentalOrganization",
    "commune": "NonPoliceGovernmentalOrganization",
    "ngo": "NGO",
}
DECISION_ORGS = ["Police", "NGO", "CourtOrProsecution", "NonPoliceGovernmentalOrganization", "Other"]
GENDERS = list(GENDER_FROM_HTCDS)
# The deciding authority of a decision imported without vic_TraffickinStatusDecisionMakingOrg.
NO_DECISION_ORG = "HTCDS"
CASE_STATUSES = ["Active", "FollowUp", "Closed", "ClosedReferred"]
REFERRAL_REASONS = ["AdditionalServicesRequired", "MigrationOrChangeOfLocation", "Other"]
# Offender.RoleInProcess → the closest HTCDS per_RoleInProcess value. HTCDS has no
# "unknown": it becomes Other (the offender is still counted).
ROLE_TO_HTCDS = {
    Offender.RoleInProcess.RECRUITER: "RecruiterOrIntermediary",
    Offender.RoleInProcess.TRANSPORTER: "Transporter",
    Offender.RoleInProcess.EXPLOITER: "Exploiter",
    Offender.RoleInProcess.FACILITATOR: "BrokerTravelAgent",
    Offender.RoleInProcess.OTHER: "Other",
    Offender.RoleInProcess.UNKNOWN: "Other",
}
# Every HTCDS role → ours, by the stage of the trafficking process it belongs to
# (recruit; transport, transfer; harbour and broker; receive, buy and exploit).
ROLE_FROM_HTCDS = {
    "RecruiterOrIntermediary": Offender.RoleInProcess.RECRUITER,
    "Kidnapper": Offender.RoleInProcess.RECRUITER,
    "SoldIndividual": Offender.RoleInProcess.RECRUITER,
    "Transporter": Offender.RoleInProcess.TRANSPORTER,
    "TransferredIndividual": Offender.RoleInProcess.TRANSPORTER,
    "Smuggler": Offender.RoleInProcess.TRANSPORTER,
    "BrokerTravelAgent": Offender.RoleInProcess.FACILITATOR,
    "HarbouredIndividual": Offender.RoleInProcess.FACILITATOR,
    "Exploiter": Offender.RoleInProcess.EXPLOITER,
    "BoughtIndividual": Offender.RoleInProcess.EXPLOITER,
    "ReceivedIndividual": Offender.RoleInProcess.EXPLOITER,
    "ControlledIndividual": Offender.RoleInProcess.EXPLOITER,
    "Abuser": Offender.RoleInProcess.EXPLOITER,
    "TravellingPartner": Offender.RoleInProcess.OTHER,
    "Other": Offender.RoleInProcess.OTHER,
}
# HTCDS picklist column → PicklistValue list; the last three all live in exploitation_forms.
PICKLIST_COLUMNS = {
    "vic_MethodOfRecruitment": PicklistValue.List.RECRUITMENT_METHOD,
    "vic_MethodsOfControl": PicklistValue.List.MEANS_OF_CONTROL,
    "vic_TypeOfExploitation": PicklistValue.List.EXPLOITATION_TYPE,
    "vic_ForcedLabourIndustry": PicklistValue.List.LABOUR_EXPLOITATION_TYPE,
    "vic_TypeOfSexExploitation": PicklistValue.List.SEX_EXPLOITATION_TYPE,
}
EXPLOITATION_LISTS = {
    PicklistValue.List.EXPLOITATION_TYPE,
    PicklistValue.List.LABOUR_EXPLOITATION_TYPE,
    PicklistValue.List.SEX_EXPLOITATION_TYPE,
}
OLDEST_AGE = 120
ADULT_AGE = actions.ADULT_AGE
CHUNK_SIZE = 2000
LOOKUP_BATCH = 500
