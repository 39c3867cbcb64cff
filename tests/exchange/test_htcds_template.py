"""HTCDS as IOM publishes it (issue 19): IOM's unmodified Excel template, filled with 30
fictional rows, imports with no refusal and exports back cell-identical in every column Cầu
Nối keeps; old province names, several citizenships, alpha-3 codes and the encodings of
Vietnamese Excel are read; bad files are refused with a message.

Every person below is invented: names, birth dates, phone numbers and addresses are made up
for the test and belong to nobody."""

import csv
import datetime
import io
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from casework import actions
from casework.models import Case, CaseStatus, Consent, Country, Person, PersonStatus, Province, Role
from devdata.htcds_rows import KEPT_TEMPLATE_COLUMNS
from exchange import htcds, tasks
from exchange.htcds.columns import HEADER_ROW, LABEL_ROW, TEMPLATE_COLUMNS, TEMPLATE_LABELS
from exchange.htcds.files import NOT_A_TABLE, _uncsv
from exchange.models import HtcdsStatement, ImportJob
from tests.fixtures.personas import acting, make_agency, make_user, sign_in

TEMPLATE = Path(htcds.__file__).parent / "template" / "htcds-spreadsheet-2.0.xlsx"

# The template's columns Cầu Nối keeps: they come back in the export as they were sent.
# Column A (the row number) is compared too. The fictional files fill the same columns.
KEPT = KEPT_TEMPLATE_COLUMNS
# The columns it does not keep (docs/htcds.md says why): the export writes Cầu Nối's own
# value or nothing there.
NOT_KEPT = [
    "cas_CaseOwner",  # the importing agency owns the case; the export names it
    "prs_Salutation",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",  # kept only when there is no mobile number, and given back as the mobile one
    "prs_MailingCity",
    "prs_MailingPostalCode",
    "vic_LocationOfRecruitment",
    "vic_LocationOfExploitation",
    "cas_ReferringOrganisation",  # referrals are workflows between agencies here, not facts
    "cas_IncomingReferralDate",  # becomes the reception date (cnx_ReceivedAt) when that is absent
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
]
# The one rewriting the export does to a kept column: ISO alpha-3 comes back as alpha-2.
ALPHA3 = {"VNM": "VN", "CHN": "CN", "LAO": "LA", "KHM": "KH"}


def day(text: str) -> datetime.datetime:
    """A date as Excel stores it (a datetime at midnight)."""
    return datetime.datetime.fromisoformat(text)


POLICE_HG = "CA-HaGiang-PC02"  # fictional senders' own account names
NGO = "NGO-HopeHouse-LC"
BORDER = "BP-LaoCai"

# 30 fictional people, as a sender fills IOM's template: some rows sparse, some full.
ROWS = [
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_Salutation": "Chị",
        "prs_FirstName": "Dợ",
        "prs_SecondName": "Vàng Thị",
        "con_Consent": True,
        "prs_Birthdate": day("2001-03-14"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "+84912000101",
        "prs_MailingCity": "Mèo Vạc",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Giang",
        "prs_MailingStreet": "Thôn Sủng Máng, xã Mèo Vạc",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_LocationOfRecruitment": "Hà Giang",
        "vic_MethodsOfControl": "DebtBondage;FalsePromises",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "vic_LocationOfExploitation": "Hà Nam, Trung Quốc",
        "cas_Status": "Active",
        "cas_ReferringOrganisation": "Đồn Biên phòng Thanh Thủy",
        "cas_IncomingReferralDate": day("2024-02-10"),
        "cas_ReasonForIncomingReferral": "AdditionalServicesRequired",
        "cas_IncomingReferralDetails": "Tiếp nhận tại cửa khẩu",
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Chứ",
        "prs_SecondName": "Giàng Thị",
        "con_Consent": True,
        "prs_Birthdate": day("2008-09-02"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN;CN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Giang",
        "prs_MailingStreet": "Bản Lùng Cú, xã Lũng Cú",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents",
        "vic_MethodsOfControl": "FalsePromises;PsychologicalAbuse",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2024-05-21"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Mai",
        "prs_SecondName": "Lò Thị",
        "con_Consent": False,
        "prs_Birthdate": day("1996-11-30"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VNM",
        "prs_HomePhone": "+842193000102",
        "prs_MobilePhone": "+84912000102",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Yên Bái",
        "prs_MailingStreet": "Bản Nả Háng, xã Trạm Tấu",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "CourtOrProsecution",
        "vic_MethodOfRecruitment": "AtWork",
        "vic_MethodsOfControl": "DebtBondage;TakesEarnings;WithholdsDocuments",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "C_Manufacturing",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Đã tái hòa nhập, ổn định tại địa phương",
        "cas_IncomingReferralDate": day("2023-07-04"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Páo",
        "prs_SecondName": "Sùng Văn",
        "prs_Birthdate": day("1990-01-15"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Lào Cai",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_MethodOfRecruitment": "ThroughAnOnlineAdvertisement",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-01-08"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_Salutation": "Chị",
        "prs_FirstName": "Hoa",
        "prs_SecondName": "Đinh Thị",
        "con_Consent": True,
        "prs_Birthdate": day("1999-06-06"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_Email": "hoa.dinh.gia.dinh@example.org",
        "prs_MobilePhone": "+84912000105",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hòa Bình",
        "prs_MailingStreet": "Xóm Mường Khến, xã Tân Lạc",
        "prs_MailingPostalCode": "36000",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughFamilyOrFamilyEvents",
        "vic_MethodsOfControl": "PhysicalThreats;SexualAbuse",
        "vic_TypeOfExploitation": "SexualExploitation",
        "vic_TypeOfSexExploitation": "Prostitution",
        "cas_Status": "FollowUp",
        "cas_ReferringOrganisation": "Công an tỉnh Hòa Bình",
        "cas_IncomingReferralDate": day("2023-11-19"),
        "cas_ReferredOrganisation": "Trung tâm Công tác xã hội",
        "cas_ReasonForOutgoingReferral": "AdditionalServicesRequired",
        "cas_OutgoingReferralDate": day("2023-12-01"),
        "cas_OutgoingReferralDetails": "Hỗ trợ tâm lý",
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Thảo",
        "prs_SecondName": "Hà Thị",
        "prs_Birthdate": day("2010-04-22"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Bắc Giang",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "NGO",
        "vic_MethodsOfControl": "FalsePromises",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-03-03"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Sinh",
        "prs_SecondName": "Thào A",
        "prs_Birthdate": day("2005-12-12"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Lai Châu",
        "vic_TraffickingStatus": "NotAVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Không phải nạn nhân: lao động tự do qua biên giới",
        "cas_IncomingReferralDate": day("2024-08-30"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Xuân",
        "prs_SecondName": "Nguyễn Thị",
        "con_Consent": True,
        "prs_Birthdate": day("1987-02-28"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "+84912000108",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Nghệ An",
        "prs_MailingStreet": "Xóm 4, xã Diễn Châu",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "NonPoliceGovernmentalOrganization",
        "vic_MethodOfRecruitment": "AtAPlaceOfBusiness",
        "vic_MethodsOfControl": "ExcessiveWorkingHours;WithholdsDocuments",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "I_AccommodationAndFoodServiceActivities",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2024-10-15"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Sểnh",
        "prs_SecondName": "Ly Thị",
        "con_Consent": True,
        "prs_Birthdate": day("2007-07-07"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VNM;CHN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Giang",
        "prs_MailingStreet": "Thôn Tả Lủng, xã Đồng Văn",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_MethodsOfControl": "PhysicalAbuse;PsychologicalAbuse",
        "vic_TypeOfExploitation": "SexualExploitation;ForcedMarriage",
        "vic_TypeOfSexExploitation": "PrivateSexualServices",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2023-09-09"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Bounmy",
        "prs_SecondName": "Phommachanh",
        "prs_Birthdate": day("2002-10-10"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "LA",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_TypeOfExploitation": "SexualExploitation",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-04-01"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Tâm",
        "prs_SecondName": "Phạm Văn",
        "prs_Birthdate": day("1994-05-19"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "+84912000111",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Sóc Trăng",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughAnOnlineAdvertisement",
        "vic_MethodsOfControl": "PhysicalThreats;TakesEarnings",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "J_InformationAndCommunication",
        "vic_LocationOfExploitation": "Sihanoukville, Campuchia",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2024-03-18"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Hùng",
        "prs_SecondName": "Lê Văn",
        "prs_Birthdate": day("1998-08-08"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hậu Giang",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughAnOnlineAdvertisement",
        "vic_MethodsOfControl": "WithholdsDocuments",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "J_InformationAndCommunication",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Chuyển về địa phương",
        "cas_IncomingReferralDate": day("2024-03-18"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Lan",
        "prs_SecondName": "Triệu Thị",
        "con_Consent": True,
        "prs_Birthdate": day("2009-01-26"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Bắc Kạn",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents",
        "vic_MethodsOfControl": "FalsePromises",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2022-12-12"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Nhung",
        "prs_SecondName": "Vi Thị",
        "prs_Birthdate": day("1993-03-03"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Lạng Sơn",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Người được hỗ trợ chuyển đi nơi khác",
        "cas_IncomingReferralDate": day("2024-06-06"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Vân",
        "prs_SecondName": "Đặng Thị",
        "con_Consent": False,
        "prs_Birthdate": day("2000-12-01"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Quảng Ninh",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodsOfControl": "DebtBondage",
        "vic_TypeOfExploitation": "SexualExploitation",
        "vic_TypeOfSexExploitation": "Prostitution;Pornography",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-02-14"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Tú",
        "prs_SecondName": "Hoàng Văn",
        "prs_Birthdate": day("1985-09-09"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Cao Bằng",
        "vic_TraffickingStatus": "NotAVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-05-05"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Dung",
        "prs_SecondName": "Trần Thị",
        "con_Consent": True,
        "prs_Birthdate": day("1991-10-20"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "+84912000117",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Thái Bình",
        "prs_MailingStreet": "Thôn Đông, xã Quỳnh Phụ",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "CourtOrProsecution",
        "vic_MethodOfRecruitment": "ThroughFamilyOrFamilyEvents",
        "vic_MethodsOfControl": "FalsePromises;WithholdsDocuments",
        "vic_TypeOfExploitation": "Surrogacy",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Kết thúc hỗ trợ theo kế hoạch",
        "cas_IncomingReferralDate": day("2022-04-04"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Pằng",
        "prs_SecondName": "Hầu Thị",
        "prs_Birthdate": day("2011-02-02"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Điện Biên",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-06-20"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Kiên",
        "prs_SecondName": "Bùi Trung",
        "prs_Birthdate": day("1997-07-17"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Nam Định",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_MethodsOfControl": "RestrictsFinancialAccess",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "F_Construction",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2024-12-24"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Ánh",
        "prs_SecondName": "Mạc Thị Ngọc",
        "con_Consent": True,
        "prs_Birthdate": day("1995-05-05"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hải Dương",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughATelevisionAdvert",
        "vic_MethodsOfControl": "PsychoactiveSubstance",
        "vic_TypeOfExploitation": "SexualExploitation",
        "vic_TypeOfSexExploitation": "RemoteInteractiveServices",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2023-03-30"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Sáng",
        "prs_SecondName": "Cháng A",
        "prs_Birthdate": day("2012-11-11"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Sơn La",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_TypeOfExploitation": "ChildLabour",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-07-15"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Linh",
        "prs_SecondName": "Phan Thùy",
        "prs_Birthdate": day("2003-08-18"),
        "prs_Gender": "NonSpecifiedUnknown",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Kiên Giang",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing",
        "cas_Status": "Active",
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Hạnh",
        "prs_SecondName": "Chu Thị",
        "con_Consent": True,
        "prs_Birthdate": day("1989-04-04"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Vĩnh Phúc",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Other",
        "vic_MethodOfRecruitment": "ThroughANewspaperAdvert",
        "vic_MethodsOfControl": "DebtBondage;ExcessiveWorkingHours",
        "vic_TypeOfExploitation": "Servitude",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2024-01-31"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Quyên",
        "prs_SecondName": "Lục Thị",
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Tuyên Quang",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-08-08"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Thắm",
        "prs_SecondName": "Nông Thị",
        "con_Consent": True,
        "prs_Birthdate": day("2006-06-16"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Giang",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_MethodsOfControl": "FalsePromises;PhysicalAbuse",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2023-01-20"),
    },
    {
        "cas_CaseOwner": POLICE_HG,
        "prs_FirstName": "Pó",
        "prs_SecondName": "Vừ Mí",
        "prs_Birthdate": day("1980-10-01"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Giang",
        "vic_TraffickingStatus": "NotAVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "cas_Status": "Closed",
        "cas_ReasonForCaseClosure": "Không đủ căn cứ xác định là nạn nhân",
        "cas_IncomingReferralDate": day("2023-05-15"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Nga",
        "prs_SecondName": "Đỗ Thị Thúy",
        "con_Consent": True,
        "prs_Birthdate": day("1992-12-25"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "+84912000127",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hà Tĩnh",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents",
        "vic_MethodsOfControl": "WithholdsNecessities;WithholdsDocuments",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "T_ActivitiesOfHouseholdsAsEmployers",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2022-09-01"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Seo",
        "prs_SecondName": "Má Thị",
        "prs_Birthdate": day("2004-03-08"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN;CN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Lào Cai",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughFamilyOrFamilyEvents",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-04-25"),
    },
    {
        "cas_CaseOwner": BORDER,
        "prs_FirstName": "Sovann",
        "prs_SecondName": "Chea",
        "prs_Birthdate": day("1999-09-19"),
        "prs_Gender": "Masculine",
        "prs_Citizenship": "KHM",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_TypeOfExploitation": "ForcedLabour",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": day("2025-09-09"),
    },
    {
        "cas_CaseOwner": NGO,
        "prs_FirstName": "Yến",
        "prs_SecondName": "Quách Thị Hải",
        "con_Consent": True,
        "prs_Birthdate": day("2008-02-29"),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MailingCountry": "VN",
        "prs_MailingState": "Hòa Bình",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "NGO",
        "vic_MethodOfRecruitment": "AtAnEducationalInstitution",
        "vic_MethodsOfControl": "FalsePromises;SexualAbuse",
        "vic_TypeOfExploitation": "SexualExploitation",
        "vic_TypeOfSexExploitation": "Prostitution",
        "cas_Status": "FollowUp",
        "cas_IncomingReferralDate": day("2024-07-27"),
    },
]


def template_workbook(rows: list[dict] = ROWS):
    """IOM's template as published, its sheet, column A, header and label rows untouched,
    the rows filled from row 3."""
    workbook = load_workbook(TEMPLATE)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    header[header.index(None, 1)] = "cas_ReasonForOutgoingReferral"  # the unnamed column
    for number, row in enumerate(rows, start=3):
        for column, value in row.items():
            sheet.cell(row=number, column=header.index(column) + 1, value=value)
    return workbook


def template_bytes(rows: list[dict] = ROWS) -> bytes:
    stream = io.BytesIO()
    template_workbook(rows).save(stream)
    return stream.getvalue()


def as_text(value) -> str:
    """A cell as the export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value)


def expected(column: str, value) -> str:
    text = as_text(value)
    if column == "prs_Citizenship":
        return ";".join(ALPHA3.get(code, code) for code in text.split(";")) if text else ""
    return text


def import_content(content: bytes, agency, name: str) -> htcds.ImportReport:
    upload = io.BytesIO(content)
    upload.name = name
    return htcds.import_htcds(upload, agency=agency, actor=htcds.import_user())


def export_sheet(cases) -> list[list]:
    stream = io.BytesIO()
    htcds.export_htcds(cases, stream, fmt="xlsx", classes_for=htcds.EXPORT_CLASSES)
    sheet = load_workbook(io.BytesIO(stream.getvalue()), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def receiver(reference_data):
    return make_agency("tpl-social", "social_protection", "LCA")


# 1. The template itself -------------------------------------------------------------------


def test_the_columns_and_labels_are_the_templates():
    sheet = load_workbook(TEMPLATE, read_only=True).worksheets[0]
    header, labels, first = (list(row) for row in sheet.iter_rows(min_row=1, max_row=3, values_only=True))
    assert header == HEADER_ROW[: len(header)] and len(header) == 1 + len(TEMPLATE_COLUMNS)
    assert labels == [None, *TEMPLATE_LABELS] == LABEL_ROW[: len(labels)]
    assert first[0] == 1  # column A numbers the data rows


def test_the_kept_and_not_kept_columns_are_all_the_template_columns():
    assert sorted(KEPT + NOT_KEPT) == sorted(TEMPLATE_COLUMNS) and not set(KEPT) & set(NOT_KEPT)


def test_the_test_file_has_30_rows_in_the_templates_layout():
    sheet = load_workbook(io.BytesIO(template_bytes()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    original = list(load_workbook(TEMPLATE, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[:2] == original[:2] and len(rows) == len(original)
    assert [row[0] for row in rows[2:]] == [row[0] for row in original[2:]]
    assert sum(1 for row in rows[2:] if any(row[1:])) == len(ROWS) == 30


# 2. Import and round trip -----------------------------------------------------------------


def test_the_unmodified_template_imports_with_no_refusal(receiver):
    report = import_content(template_bytes(), receiver, "iom-template.xlsx")
    assert report.problems == []
    assert (report.created, report.updated, report.unchanged) == (30, 0, 0)
    cases = Case.objects.filter(owning_agency=receiver).select_related("person__home_former_province")
    assert cases.count() == 30
    do = cases.get(person__full_name="Vàng Thị Dợ")
    tuyen_quang = Province.objects.get(code="TQ")
    # The old province as recorded, mapped to the one it joined (docs/domain.md §1).
    assert (do.person.home_province, do.person.home_former_province.name) == (tuyen_quang, "Hà Giang")
    # The agency's defaults for what the template has no column for (decision 80).
    assert do.reception_province == receiver.province
    assert timezone.localdate(do.received_at) == datetime.date(2024, 2, 10)
    assert do.external_id.startswith("htcds-")
    chu = cases.get(person__full_name="Giàng Thị Chứ")
    assert chu.person.nationality.alpha2 == "VN" and chu.htcds_statement.other_citizenships == "CN"
    mai = cases.get(person__full_name="Lò Thị Mai")
    assert (mai.person.nationality.alpha2, mai.status, mai.identification_authority) == (
        "VN",
        CaseStatus.CLOSED,
        "CourtOrProsecution",
    )
    assert mai.htcds_statement.consent is False
    assert not HtcdsStatement.objects.filter(case__person__full_name="Sùng Văn Páo").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_gives_the_template_back_cell_for_cell(receiver, fmt):
    """Every column kept, every row, column A included; the layout is the template's."""
    assert import_content(template_bytes(), receiver, "iom-template.xlsx").ok
    cases = Case.objects.filter(owning_agency=receiver)
    if fmt == "xlsx":
        exported = export_sheet(cases)
    else:
        stream = io.BytesIO()
        htcds.export_htcds(cases, stream, fmt="csv", classes_for=htcds.EXPORT_CLASSES)
        exported = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"), newline="")))
        # The apostrophe before "+84…" (CSV injection) is the import's to take off.
        exported = [[_uncsv(value) or None for value in row] for row in exported]
        exported[2:] = [[int(row[0]), *row[1:]] for row in exported[2:]]
    original = list(template_workbook().worksheets[0].iter_rows(values_only=True))
    width = 1 + len(TEMPLATE_COLUMNS)
    assert [row[:width] for row in exported[:2]] == [list(row) for row in original[:2]]
    assert len(exported) == 2 + 30
    names = ["A", *TEMPLATE_COLUMNS]
    wrong = []
    for sent, back in zip(original[2:32], exported[2:], strict=True):
        assert back[0] == sent[0]
        for index, column in enumerate(names[1:], start=1):
            if column in KEPT and as_text(back[index]) != expected(column, sent[index]):
                wrong.append((sent[0], column, sent[index], back[index]))
    assert wrong == []


def test_importing_the_file_or_its_export_again_changes_nothing(receiver):
    content = template_bytes()
    import_content(content, receiver, "iom-template.xlsx")
    again = import_content(content, receiver, "iom-template.xlsx")
    assert (again.created, again.updated, again.unchanged, again.problems) == (0, 0, 30, [])
    stream = io.BytesIO()
    htcds.export_htcds(
        Case.objects.filter(owning_agency=receiver), stream, fmt="xlsx", classes_for=htcds.EXPORT_CLASSES
    )
    back = import_content(stream.getvalue(), receiver, "export.xlsx")
    assert (back.created, back.updated, back.unchanged, back.problems) == (0, 0, 30, [])


def test_the_senders_ids_are_kept_and_given_back(receiver):
    rows = [{**ROWS[0]}, {**ROWS[1]}]
    workbook = Workbook()
    sheet = workbook.active
    header = ["cnx_ExternalId", *rows[0]]
    sheet.append(header)
    for number, row in enumerate(rows):
        sheet.append([f"HG-2024-{number:04d}", *(row.get(column) for column in header[1:])])
    stream = io.BytesIO()
    workbook.save(stream)
    assert import_content(stream.getvalue(), receiver, "ids.xlsx").ok
    exported = export_sheet(Case.objects.filter(owning_agency=receiver))
    column = exported[0].index("cnx_ExternalId")
    assert [row[column] for row in exported[2:]] == ["HG-2024-0000", "HG-2024-0001"]


def test_consent_our_records_decide_then_the_senders_statement_then_blank(receiver):
    assert import_content(template_bytes(ROWS[:5]), receiver, "five.xlsx").ok
    cases = {case.person.full_name: case for case in Case.objects.filter(owning_agency=receiver)}
    worker = make_user("tpl.worker", receiver, Role.CASEWORKER)
    actor = acting(worker, receiver)
    # Páo: nothing stated, nothing recorded → blank; then a consent of ours → TRUE.
    pao = cases["Sùng Văn Páo"]
    assert htcds.case_values(htcds.export_queryset(Case.objects.filter(pk=pao.pk)).get())["con_Consent"] == ""
    consent = actions.do_record_consent(
        pao,
        Consent(
            given_by=Consent.GivenBy.PERSON, classes=["core"], purpose="hỗ trợ", given_on=datetime.date(2025, 1, 9)
        ),
        actor=actor,
    )
    assert htcds.case_values(htcds.export_queryset(Case.objects.filter(pk=pao.pk)).get())["con_Consent"] == "TRUE"
    Consent.objects.filter(pk=getattr(consent, "pk", None) or pao.consents.get().pk).update(
        withdrawn_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC)
    )
    assert htcds.case_values(htcds.export_queryset(Case.objects.filter(pk=pao.pk)).get())["con_Consent"] == "FALSE"


# 3. Codes the standard and docs/domain.md allow ---------------------------------------------------


def one_row(**cells) -> dict:
    return {**ROWS[3], **cells}


@pytest.mark.parametrize(
    ("written", "current", "former"),
    [
        ("Yên Bái", "LCA", "Yên Bái"),
        ("15", "LCA", "Yên Bái"),  # the GSO code of before 2025
        ("Tỉnh Hà Giang", "TQ", "Hà Giang"),
        ("Hoà Bình", "PT", "Hòa Bình"),  # the tone mark in its older place
        ("LCA", "LCA", None),
        ("Lào Cai", "LCA", None),  # a name both lists have is the current province
    ],
)
def test_old_and_current_province_names_and_codes_are_read(receiver, written, current, former):
    report = import_content(template_bytes([one_row(prs_MailingState=written)]), receiver, "p.xlsx")
    assert report.problems == []
    person = Case.objects.get(owning_agency=receiver).person
    assert person.home_province.code == current
    assert (person.home_former_province.name if person.home_former_province else None) == former


def test_alpha_3_codes_and_several_citizenships_are_read(receiver):
    row = one_row(prs_Citizenship="VNM;CHN;LAO")
    content = htcds_csv([{**row, "cnx_DestinationCountry": "CHN"}]).encode()
    report = import_content(content, receiver, "c.csv")
    assert report.problems == []
    case = Case.objects.get(owning_agency=receiver)
    assert (case.person.nationality.alpha2, case.destination_country.alpha2) == ("VN", "CN")
    assert case.htcds_statement.other_citizenships == "CN;LA"


def test_a_refused_cell_names_the_valid_values(receiver):
    rows = [
        one_row(prs_MailingState="Atlantis"),
        one_row(prs_FirstName="B", prs_Citizenship="XYZ"),
        one_row(prs_FirstName="C", prs_Gender="Female"),
        one_row(prs_FirstName="D", vic_TypeOfExploitation="Slavery"),
    ]
    report = import_content(template_bytes(rows), receiver, "bad.xlsx")
    messages = {(problem.row, problem.column): problem.message for problem in report.problems}
    assert set(messages) == {
        (3, "prs_MailingState"),
        (4, "prs_Citizenship"),
        (5, "prs_Gender"),
        (6, "vic_TypeOfExploitation"),
    }
    assert "Hà Giang" in messages[3, "prs_MailingState"] and "import page" in messages[3, "prs_MailingState"]
    assert "VNM" in messages[4, "prs_Citizenship"]
    assert "Feminine" in messages[5, "prs_Gender"] and "Masculine" in messages[5, "prs_Gender"]
    assert "ForcedLabour" in messages[6, "vic_TypeOfExploitation"]
    assert not Case.objects.filter(owning_agency=receiver).exists()


def test_an_agency_without_a_province_is_asked_for_the_column(reference_data):
    agency = make_agency("tpl-national", "ngo", "HN")
    agency.province = None
    agency.save(update_fields=["province"])
    report = import_content(template_bytes(ROWS[:1]), agency, "x.xlsx")
    assert [(problem.row, problem.column) for problem in report.problems] == [(3, "cnx_ReceptionProvince")]


# 4. CSV in the encodings Excel writes --------------------------------------------------------

TONES = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Excel writes it: the base letter (with its circumflex,
    breve or horn) precomposed, the tone mark combining."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(mark for mark in parts if mark in TONES)
        base = unicodedata.normalize("NFC", "".join(mark for mark in parts if mark not in TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def htcds_csv(rows: list[dict], *, delimiter: str = ",", day_format: str = "%Y-%m-%d") -> str:
    """The rows in the template's columns as text: header and labels, as Excel saves the
    template's sheet as CSV."""
    header = [None, *(None if column == "cas_ReasonForOutgoingReferral" else column for column in TEMPLATE_COLUMNS)]
    extra = sorted({column for row in rows for column in row} - set(TEMPLATE_COLUMNS))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([*("" if name is None else name for name in header), *extra])
    writer.writerow(["", *TEMPLATE_LABELS, *extra])
    for number, row in enumerate(rows, start=1):
        cells = [str(number)]
        for column in [*TEMPLATE_COLUMNS, *extra]:
            value = row.get(column)
            if isinstance(value, datetime.datetime):
                value = value.strftime(day_format)
            cells.append(as_text(value))
        writer.writerow(cells)
    return out.getvalue()


@pytest.mark.parametrize(
    ("encode", "delimiter", "day_format"),
    [
        (lambda text: text.encode("utf-8"), ",", "%Y-%m-%d"),
        (lambda text: text.encode("utf-8-sig"), ",", "%Y-%m-%d"),
        (lambda text: text.encode("utf-16"), "\t", "%d/%m/%Y"),  # Excel's "Unicode text"
        (encode_cp1258, ",", "%d/%m/%Y"),  # Vietnamese Excel's "CSV (Comma delimited)"
        (encode_cp1258, ";", "%d/%m/%Y"),
    ],
    ids=["utf8", "utf8-bom", "utf16-tabs", "cp1258", "cp1258-semicolon"],
)
def test_csv_in_every_encoding_excel_writes_imports_the_same(receiver, encode, delimiter, day_format):
    content = encode(htcds_csv(ROWS, delimiter=delimiter, day_format=day_format))
    report = import_content(content, receiver, "iom-template.csv")
    assert report.problems == []
    assert report.created == 30
    names = set(Person.objects.filter(cases__owning_agency=receiver).values_list("full_name", flat=True))
    assert "Vàng Thị Dợ" in names and "Quách Thị Hải Yến" in names and "Hầu Thị Pằng" in names
    assert Case.objects.get(owning_agency=receiver, person__full_name="Lò Thị Mai").person.birth_date == (
        datetime.date(1996, 11, 30)
    )


def test_a_utf8_file_with_damaged_characters_is_refused_not_garbled(receiver):
    lines = htcds_csv(ROWS[:4]).encode("utf-8").split(b"\n")
    lines[4] = lines[4].replace("Yên Bái".encode(), b"Y\xean B\xe1i")  # Windows-1258 bytes in UTF-8
    assert lines[4] != htcds_csv(ROWS[:4]).encode("utf-8").split(b"\n")[4]
    report = import_content(b"\n".join(lines), receiver, "mixed.csv")
    assert [(problem.row, problem.message) for problem in report.problems] == [
        (
            None,
            "The file is in UTF-8 but some of its characters are damaged (the first on line 5)."
            " Save it again from the program that made it and upload it again.",
        )
    ]
    assert not Case.objects.exists()


# 5. From the web: accepted, refused with a 4xx, never a 500 ----------------------------------


@pytest.fixture
def admin_client(receiver):
    admin = make_user("tpl.admin", receiver, Role.AGENCY_ADMIN)
    client = sign_in(admin)
    client.cookies["django_language"] = "en"
    return SimpleNamespace(client=client, admin=admin)


def post(client, content: bytes, name: str):
    with mock.patch.object(tasks.run_import, "delay"):
        return client.post("/dashboards/imports/new/", {"file": SimpleUploadedFile(name, content)})


def test_a_windows_1258_csv_is_accepted_by_the_upload_form(admin_client, django_capture_on_commit_callbacks):
    content = encode_cp1258(htcds_csv(ROWS[:3], day_format="%d/%m/%Y"))
    with mock.patch.object(tasks.run_import, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = admin_client.client.post(
            "/dashboards/imports/new/", {"file": SimpleUploadedFile("excel.csv", content)}
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    delay.assert_called_once_with(job.pk)
    tasks.run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 3), job.problems


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.7\n\x00\x01\x02binary", "case.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls"),
        (b"PK\x03\x04 broken zip", "broken.xlsx"),
    ],
    ids=["pdf", "xls", "broken-zip"],
)
def test_a_wrong_file_is_a_400_with_a_message(admin_client, content, name):
    response = post(admin_client.client, content, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="invalid-feedback d-block"' in page
    assert "Excel Workbook (.xlsx)" in page
    assert not ImportJob.objects.exists()


def test_a_huge_file_is_a_400_with_a_message(admin_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = post(admin_client.client, htcds_csv(ROWS).encode(), "big.csv")
    assert response.status_code == 400
    assert "Split it into several files" in response.content.decode()


def test_broken_rows_are_listed_and_nothing_is_imported(admin_client, django_capture_on_commit_callbacks):
    text = htcds_csv(ROWS[:4])
    text += "5,x,,,,,notadate\n" + '6,"unterminated\n'
    with mock.patch.object(tasks.run_import, "delay"), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.client.post(
            "/dashboards/imports/new/", {"file": SimpleUploadedFile("broken.csv", text.encode())}
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    tasks.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REFUSED
    assert job.problems and all(problem["row"] and problem["row"] >= 7 for problem in job.problems)
    assert not Case.objects.exists()


def test_the_import_page_lists_the_valid_values_of_the_coded_columns(admin_client):
    page = admin_client.client.get("/dashboards/imports/").content.decode()
    for value in (
        "ActualVictimOfTrafficking",
        "CourtOrProsecution",
        "TransgenderFeminine",
        "FollowUp",
        "ThroughOnlineSocialNetworks",
        "DebtBondage",
        "C_Manufacturing",
        "Prostitution",
        "Hà Giang",
        "LCA",
        "VNM",
    ):
        assert value in page, value
    assert str(NOT_A_TABLE) not in page
    # The defaults of the optional columns, from the importing agency.
    assert "cnx_ReceptionProvince" in page and "cnx_ExternalId" in page


def test_the_export_is_refused_nothing_for_a_case_without_the_statement(receiver):
    """A case registered here (no import, no statement) exports as before."""
    worker = make_user("tpl.w2", receiver, Role.CASEWORKER)
    person = Person(full_name="Giả Định Một", nationality=Country.objects.get(alpha2="VN"))
    case = actions.do_create_case(
        person=person,
        case=Case(
            came_to_notice="other",
            received_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC),
            reception_province=receiver.province,
        ),
        actor=acting(worker, receiver),
        agency=receiver,
    )
    values = htcds.case_values(htcds.export_queryset(Case.objects.filter(pk=case.pk)).get())
    assert (values["prs_Citizenship"], values["con_Consent"], values["cnx_ExternalId"]) == (
        "VN",
        "",
        str(case.public_id),
    )
    assert case.person_status == PersonStatus.IN_IDENTIFICATION


def test_the_import_page_help_is_in_vietnamese_by_default(receiver):
    admin = make_user("tpl.admin.vi", receiver, Role.AGENCY_ADMIN)
    with translation.override("vi"):
        page = sign_in(admin).get("/dashboards/imports/").content.decode()
    assert "Các giá trị hợp lệ của các cột mã hóa" in page
    assert "Các cột của Cầu Nối (cnx_…) không bắt buộc" in page
    assert "Lào Cai" in page and "Hà Giang (Ha Giang) → Tuyên Quang" in page
