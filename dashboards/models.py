"""The dashboards' own tables: figures kept per province and month (`dashboards.rollups`).

A `CaseRollup` row holds, for one province of reception and one local month, the fixed cells
the dashboard and the statistics count over cases received in that month (one integer column
per cell, named by `column`), the cases' current statuses, and the victims identified in that
month. `IncidentRollup` keeps the incidents of those victims, one row per province, month and
incident, so that distinct incidents are counted exactly over any set of months and provinces.
`WaitRollup` keeps the waits to handover of those cases as a histogram (decision 280).
`RollupMark` says which rows may be stale: it is written in the transaction of the change.
"""

import re

from django.db import models

from casework.models import CaseStatus, Province
from dashboards import stats

# Cells counting cases received in the month, besides the statistics' fixed cells.
DASHBOARD_CELLS = ("handovers", "published.women_and_children")
RECEIVED_CELLS = (*stats.additive_cells(), *DASHBOARD_CELLS)
STATUS_CELLS = tuple(f"status.{status}" for status in CaseStatus.values)


def column(cell: str) -> str:
    """The column of a cell: "sex_child.female.child" → "c_sex_child_female_child"."""
    return "c_" + re.sub(r"[^0-9a-z]+", "_", cell.lower()).strip("_")


COLUMNS = {cell: column(cell) for cell in (*RECEIVED_CELLS, *STATUS_CELLS)}
if len(set(COLUMNS.values())) != len(COLUMNS):  # pragma: no cover — caught at start-up
    raise ValueError("two rollup cells share a column")


class CaseRollup(models.Model):
    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of a local month
    identified = models.IntegerField(default=0)  # victims identified in the month

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "month"], name="case_rollup_unique")]
        indexes = [models.Index(fields=["month"], name="case_rollup_month")]


for _cell, _column in COLUMNS.items():
    CaseRollup.add_to_class(_column, models.IntegerField(default=0))


class IncidentRollup(models.Model):
    """An incident with victims received in a province and month, and what they show."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    incident_id = models.IntegerField()
    child = models.BooleanField(default=False)
    recorded = models.BooleanField(default=False)  # a destination recorded
    cross_border = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["province", "month"], name="incident_rollup_place")]


# The unit of the waits to handover: a tenth of a day, the precision the dashboard shows.
WAIT_UNIT_SECONDS = 8640


class WaitRollup(models.Model):
    """Cases received in a province and month and handed over, by their wait from reception
    to the first handover in whole tenths of a day (floored): the histogram the median wait
    is read from (decision 280)."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    tenths = models.IntegerField()
    cases = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["province", "month"], name="wait_rollup_place")]


class RollupMark(models.Model):
    """A change not yet folded into the rollups: a case (its current province and months) or
    a province and month it left. Plain integers: the case may be gone."""

    case_id = models.IntegerField(null=True)
    province_id = models.IntegerField(null=True)
    month = models.DateField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
