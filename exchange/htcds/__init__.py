"""Cases in HTCDS 2.0 columns (IOM's Human Trafficking Case Data Standard), out and back in.

docs/htcds.md is the user-facing account (layout, defaults, codes, what a round trip keeps);
decisions 51, 52 and 80–84 say why.

Layout (both ways): IOM's Excel template (`template/htcds-spreadsheet-2.0.xlsx`, unmodified):
column A unnamed and numbering the rows, row 1 the column names in the template's order (its
unnamed column, labelled "Reason for Outgoing Referral", stays unnamed on export and is read
as `cas_ReasonForOutgoingReferral`), row 2 the template's labels, data from row 3; then the
Cầu Nối extension. HTCDS alone cannot carry what the official statistics count (how the
person came to notice and returned, ethnicity, the incident), so without these columns a
round trip would lose them:

- `cnx_ExternalId`: on import stored in `Case.external_id`, the key that makes a re-import
  update instead of registering the person again (a key derived from the row when the column
  is absent); on export the sender's id when the case came from a file, else the public id.
- `cnx_Reference`: the case reference in the source system (kept in the import's audit row).
- `cnx_ReceivedAt`: reception date and time, ISO 8601 with the UTC offset.
- `cnx_ReceptionProvince`: province (code or name; one of before 2025 maps to its successor).
- `cnx_CameToNotice`, `cnx_ReturnMode`, `cnx_PersonStatus`, `cnx_CaseStatus`, `cnx_LegalRegime`:
  the exact Cầu Nối values, where HTCDS has coarser ones (`vic_TraffickingStatus`,
  `cas_Status`) or none.
- `cnx_IsChild` (TRUE/FALSE, under 18 at reception), `cnx_Ethnicity` (the two-digit code of
  the 54 groups), `cnx_BirthYear`, `cnx_DestinationCountry` (ISO 3166 alpha-2 on export,
  alpha-2 or alpha-3 on import), `cnx_IdentifiedOn` (date of the identification decision).
- `cnx_IncidentId`, `cnx_CriminalCaseNumber`, `per_RoleInProcess`: the incident the case
  belongs to (rows with the same id are one incident), its criminal case number, and one
  HTCDS role per offender of that incident, `;`-separated.

Sensitivity (docs/architecture.md, Flow A): every column belongs to a class — the person's details
(`identity`), the incident and offenders (`investigation`), everything else (`core`). The
caller says per case which classes the requester holds; the columns of the others are left
blank and a case without `core` is not written at all. The export runs in one pass over the
queryset in chunks with prefetching, so the number of queries does not grow with the rows
(QUALITY P1, P9), and the writers stream.

Import (`import_htcds`): an .xlsx or a CSV in UTF-8, UTF-16 or Windows-1258 (told apart by
content). Required columns: `prs_FirstName`, `prs_SecondName`, `prs_Gender`,
`vic_TraffickingStatus`; the `cnx_` columns are optional, with defaults from the importing
agency (decision 80). Unknown columns are refused, unnamed ones ignored. Every row is checked
first and every problem reported with its row and column (and the valid values of a coded
column); if there is any, nothing is written. Otherwise the rows are written 200 per
transaction (decision 257): new cases through the bulk form of `do_create_case` and the
status machine (`casework.bulk.do_register_cases`, decision 255), existing ones (same owning
agency and external id, or the agency's own case whose public id is the external id — its own
export coming back) updated with one "details updated" event and audit row when something
changed, nothing when nothing did.

What the import does not take over: the referral columns (referrals are workflows between
agencies here, not facts to copy; their dates are still checked), `prs_Salutation`,
`prs_Title`, `prs_Email`, `prs_MailingCity`, `prs_MailingPostalCode`,
`vic_LocationOfRecruitment`, `vic_LocationOfExploitation`, `cas_CaseOwner` and the case
worker columns (accounts of another system). `con_Consent` and the citizenships after the
first are kept as the sender's statement (`exchange.models.HtcdsStatement`), never as a
consent record (decision 82). A blank `cnx_IncidentId` leaves an existing incident link as
it is, and offenders are added, never removed.
"""

from exchange.htcds.columns import (
    COLUMN_CLASSES,
    COLUMNS,
    EXPORT_CLASSES,
    EXTENSION_COLUMNS,
    TEMPLATE_COLUMNS,
    TRAFFICKING_STATUS,
)
from exchange.htcds.export import (
    HEADER_ROWS,
    SHEET_TITLE,
    Viewer,
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
from exchange.htcds.files import ImportReport, Problem
from exchange.htcds.importer import import_htcds, import_user

__all__ = [
    "COLUMNS",
    "HEADER_ROWS",
    "SHEET_TITLE",
    "COLUMN_CLASSES",
    "EXPORT_CLASSES",
    "EXTENSION_COLUMNS",
    "TEMPLATE_COLUMNS",
    "TRAFFICKING_STATUS",
    "ImportReport",
    "Problem",
    "Viewer",
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
