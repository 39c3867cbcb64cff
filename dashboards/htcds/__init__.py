"""Cases in HTCDS 2.0 columns (IOM's Human Trafficking Case Data Standard), out and back in.

Export: one row per case. The columns are those of IOM's Excel template
(`standards/htcds/htcds-spreadsheet-2.0.xlsx`) in the template's order — its unnamed
column between `cas_ReferredPrimaryCaseWorker` and `cas_OutgoingReferralDate` (labelled
"Reason for Outgoing Referral") is written as `cas_ReasonForOutgoingReferral`, the field
standard's name — followed by the Cầu Nối extension. HTCDS alone cannot carry what the
official statistics count (how the person came to notice and returned, ethnicity, the
incident), so without these columns a round trip would lose them:

- `cnx_ExternalId`: on export the case's public id; on import stored in `Case.external_id`,
  the key that makes a re-import update instead of registering the person again.
- `cnx_Reference`: the case reference in the source system (kept in the import's audit row).
- `cnx_ReceivedAt`: reception date and time, ISO 8601 with the UTC offset.
- `cnx_ReceptionProvince`: province code (the 34-province list).
- `cnx_CameToNotice`, `cnx_ReturnMode`, `cnx_PersonStatus`, `cnx_CaseStatus`, `cnx_LegalRegime`:
  the exact Cầu Nối values, where HTCDS has coarser ones (`vic_TraffickingStatus`,
  `cas_Status`) or none.
- `cnx_IsChild` (TRUE/FALSE, under 18 at reception), `cnx_Ethnicity` (the two-digit code of
  the 54 groups), `cnx_BirthYear`, `cnx_DestinationCountry` (ISO 3166 alpha-2),
  `cnx_IdentifiedOn` (date of the identification decision).
- `cnx_IncidentId`, `cnx_CriminalCaseNumber`, `per_RoleInProcess`: the incident the case
  belongs to (rows with the same id are one incident), its criminal case number, and one
  HTCDS role per offender of that incident, `;`-separated.

Sensitivity (DESIGN.md §5): every column belongs to a class — the person's details
(`identity`), the incident and offenders (`investigation`), everything else (`core`). The
caller says per case which classes the requester holds; the columns of the others are left
blank and a case without `core` is not written at all. The export runs in one pass over the
queryset in chunks with prefetching, so the number of queries does not grow with the rows
(QUALITY P1, P9), and the writers stream.

Import (`import_htcds`): an .xlsx or a UTF-8 .csv (told apart by content). Required columns:
`cnx_ExternalId` (the key above; a row without it is refused rather than registered a second
time on every import), `prs_FirstName`, `prs_SecondName`, `prs_Gender`,
`vic_TraffickingStatus`, `cnx_ReceivedAt` and `cnx_ReceptionProvince` (a case cannot be
registered without a reception date and province). Every other known column is optional;
unknown columns are refused, unnamed ones (the template has one) are ignored. Every row is
checked first and every problem reported with its row and column; if there is any, nothing
is written. Otherwise all rows are written in one transaction through the casework actions:
new cases through `do_create_case` and the status machine, existing ones (same owning agency
and external id, or the agency's own case whose public id is the external id — its own
export coming back) updated with one "details updated" event and audit row when something
changed, nothing when nothing did.

What the import does not take over: `con_Consent` (a consent is a record of who agreed to
what, not a checkbox; it is recorded in the case), the referral columns (referrals are
workflows between agencies here, not facts to copy; their dates are still checked),
`prs_Salutation`, `prs_Title`, `prs_Email`, `prs_MailingCity`, `prs_MailingPostalCode`,
`vic_LocationOfRecruitment`, `vic_LocationOfExploitation`, `cas_CaseOwner` and the case
worker columns (accounts of another system). A blank `cnx_IncidentId` leaves an existing
incident link as it is, and offenders are added, never removed.
"""

from dashboards.htcds.columns import (
    COLUMN_CLASSES,
    COLUMNS,
    EXPORT_CLASSES,
    EXTENSION_COLUMNS,
    TEMPLATE_COLUMNS,
    TRAFFICKING_STATUS,
)
from dashboards.htcds.export import (
    HEADER_ROWS,
    annotate_classes,
    case_values,
    export_htcds,
    export_queryset,
    iter_htcds_rows,
    join_name,
    numbered,
    row_classes,
    split_name,
    write_csv,
    write_xlsx,
)
from dashboards.htcds.importer import import_htcds, import_user
from dashboards.htcds.reading import ImportReport, Problem

__all__ = [
    "COLUMNS",
    "HEADER_ROWS",
    "COLUMN_CLASSES",
    "EXPORT_CLASSES",
    "EXTENSION_COLUMNS",
    "TEMPLATE_COLUMNS",
    "TRAFFICKING_STATUS",
    "ImportReport",
    "Problem",
    "annotate_classes",
    "case_values",
    "export_htcds",
    "export_queryset",
    "import_htcds",
    "import_user",
    "iter_htcds_rows",
    "join_name",
    "numbered",
    "row_classes",
    "split_name",
    "write_csv",
    "write_xlsx",
]
