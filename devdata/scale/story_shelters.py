"""A case's shelter stay as the shelter actions would write it: the placement, the bed held and
occupied, intake, services, discharge and the follow-up plan."""

import datetime
import math

from casework.lib.dates import add_months
from devdata.scale.places import PROVINCES
from devdata.scale.story_base import (
    CASEWORKER,
    DAY,
    HOUR,
    LOCAL,
    MINUTE,
    SHELTER_STAFF,
    Case,
    local_at,
    local_date,
    weighted,
)
from devdata.scale.world import PARTIAL_INTAKE, PERSONA_FACILITY, FacilityInfo

FOLLOWUP_SCHEDULE = (1, 3, 6, 12, 24)
PLACEMENT = "shelter_placement"
WALK_IN_CLASSES = ("core", "health", "identity", "shelter")
DISCHARGE = [
    ("family", 60, "Gia đình đón về, địa phương đã xác nhận an toàn"),
    ("relatives", 15, "Về ở với người thân"),
    ("independent", 10, "Đã có việc làm, tự lập"),
    ("left", 8, "Tự nguyện rời cơ sở"),
    ("hospital", 4, "Chuyển điều trị tại bệnh viện"),
    ("other", 3, "Chuyển nơi ở khác theo nguyện vọng"),
]
INTAKE_SECTIONS = ("arrival", "needs", "health", "belongings", "risk", "rules", "consent", "contact", "goals")


class ShelterStory:
    """The shelter stays of a case; mixed into `Stories`, whose state (rng, ids, rows, world) it uses."""

    def _facility_order(self) -> dict[str, list[FacilityInfo]]:
        """Facilities nearest to each province first (the routing rule's "nearest to home")."""
        provinces = self.ref.provinces

        def distance(facility: FacilityInfo, code: str) -> float:
            here, there = provinces[facility.province], provinces[code]
            if facility.province == code:
                return 0.0
            lat1, lon1, lat2, lon2 = map(math.radians, (here.latitude, here.longitude, there.latitude, there.longitude))
            h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
            return 2 * 6371 * math.asin(math.sqrt(h))

        return {
            code: sorted(self.world.facilities, key=lambda facility: (distance(facility, code), facility.code))
            for code in PROVINCES
        }

    def _shelter_plan(self, case: Case, path: list[list], specs: list[dict], *, pin: str) -> dict | None:
        rng, now, world, owner = self.rng, self.now, self.world, case.owner
        identified = next((step for step in path if step[0] == "identified"), None)
        takes = {"sex": case.sex, "child": case.child, "with_children": case.with_child}
        if pin == "pending":
            # The first pinned placement is acknowledged, and the second case has a draft, so
            # that every referral status occurs even in a small dataset.
            facility = world.agencies[PERSONA_FACILITY].facility
            sent = max(now - datetime.timedelta(hours=rng.uniform(4, 8 * 24)), case.created_at + HOUR)
            steps = [("sent", sent)]
            if self.pinned == 0:
                steps.append(("received", sent + datetime.timedelta(hours=rng.uniform(0.5, 3))))
            specs.append(self._spec(PLACEMENT, owner, facility.agency, sent, steps=steps))
            if self.pinned == 1:
                drafted = sent - HOUR
                specs.append(
                    self._spec(
                        "protection_support", owner, world.social[case.province], drafted, steps=[("draft", drafted)]
                    )
                )
            self.pinned += 1
            return None
        spec = None
        if owner.facility is not None:
            facility = owner.facility
            if rng.random() >= 0.8 or not facility.takes(**takes):
                return None
            candidates = [facility]
            admitted = case.created_at + datetime.timedelta(hours=rng.uniform(0.5, 24))
            accepted = admitted
        elif pin == "resident" or (identified is not None and rng.random() < (0.3 if case.child else 0.12)):
            placement = self.ref.purposes[PLACEMENT]
            sent = identified[1] + datetime.timedelta(hours=rng.uniform(2, 48))
            if sent > now:
                return None
            sender = owner if owner.kind in placement.sender_kinds else self._accepted(specs, sent)
            if sender is None or sender.kind not in placement.sender_kinds:
                return None
            if pin == "resident":
                candidates = [world.agencies[PERSONA_FACILITY].facility]
            else:
                order = [f for f in self.facility_order[case.home] if f.takes(**takes) and f.agency is not sender][:4]
                candidates = []
                while order:
                    chosen = rng.choices(order, [6, 2, 1, 1][: len(order)])[0]
                    order.remove(chosen)
                    candidates.append(chosen)
            if not candidates:
                return None
            received = sent + self._delay(placement.acknowledge_hours)
            accepted = received + self._delay(placement.decide_hours)
            if not pin and rng.random() < 0.08:
                declined = [("sent", sent), ("received", received), ("declined", accepted)]
                specs.append(self._spec(PLACEMENT, sender, candidates[0].agency, sent, steps=declined))
                return None
            admitted = accepted + datetime.timedelta(hours=rng.uniform(1, 40))
            steps = [("sent", sent), ("received", received), ("accepted", accepted)]
            spec = self._spec(PLACEMENT, sender, None, sent, steps=steps)
        else:
            return None
        peace = candidates[0].kind == "peace_house"
        discharged = admitted + datetime.timedelta(days=rng.uniform(60, 540) if peace else rng.uniform(14, 120))
        if identified is not None:
            discharged = max(discharged, identified[1] + DAY)
        if pin == "resident":
            discharged = now + 30 * DAY
        hold_now = spec is not None and accepted <= now < admitted
        stay_now = admitted <= now < discharged
        facility = bed = None
        for candidate in candidates:
            if not (hold_now or stay_now):
                facility, bed = candidate, rng.choice(candidate.beds)[0]
                break
            # Facilities keep some beds free for what comes in next (routing needs a free bed).
            if len(candidate.free) > (0 if pin else len(candidate.beds) // 6):
                facility, bed = candidate, candidate.free.pop()
                break
        if facility is None:
            return None
        staff = facility.agency.pick(rng, SHELTER_STAFF, CASEWORKER)
        shelter = {
            "facility": facility,
            "bed": bed,
            "walk_in": spec is None,
            "accepted": accepted,
            "admitted": admitted,
            "discharged": discharged if discharged <= now else None,
            "staff": staff,
            "hold_now": hold_now,
            "stay_now": stay_now,
            "placement_id": self.ids.next("placement") if spec is not None else None,
            "followups": [],
        }
        if shelter["discharged"]:
            self._followup_plan(shelter)
        if spec is not None:
            spec["to"] = facility.agency
            spec["shelter"] = shelter
            handover = max(admitted - datetime.timedelta(minutes=rng.randint(5, 60)), accepted)
            spec["steps"].append(("handed_over", handover))
            visits = shelter["followups"]
            if visits and all(visit[3] for visit in visits) and rng.random() < 0.9:
                done = max(visit[2] for visit in visits)
                spec["steps"].append(("completed", local_at(done, 9) + datetime.timedelta(days=rng.uniform(1, 30))))
            specs.append(spec)
        return shelter

    def _followup_plan(self, shelter: dict) -> None:
        rng, facility, today = self.rng, shelter["facility"], self.today
        destination, _weight, reason = weighted(rng, [((d, w, r), w) for d, w, r in DISCHARGE])
        shelter["destination"], shelter["reason"] = destination, reason
        discharged_on = local_date(shelter["discharged"])
        for months in FOLLOWUP_SCHEDULE:
            if facility.followup_months and months > facility.followup_months:
                continue
            due_on = add_months(discharged_on, months)
            visited_on, outcome = None, ""
            if due_on <= today and rng.random() < 0.93:
                visited = due_on + datetime.timedelta(days=rng.randint(-5, 10))
                visited_on = min(max(visited, discharged_on), today)
                outcome = weighted(rng, [("safe", 80), ("at_risk", 10), ("lost_contact", 10)])
            reminded = (
                local_at(due_on - datetime.timedelta(days=7), 8)
                if due_on - datetime.timedelta(days=7) <= today
                else None
            )
            overdue = local_at(due_on + DAY, 8) if not outcome and due_on < today else None
            shelter["followups"].append((months, due_on, visited_on, outcome, reminded, overdue))

    def _hold(self, case: Case, shelter: dict, reference: str, at, actor) -> None:
        """`do_hold_bed`: the placement record and a bed held for the facility's hold time."""
        facility, bed = shelter["facility"], shelter["bed"]
        until = at + datetime.timedelta(hours=48)
        self.rows["placement"].append((shelter["placement_id"], case.id, facility.id, reference, at, bed, until, None))
        text = self.labels.held % {
            "bed": self._bed_label(facility, bed),
            "facility": facility.label,
            "until": (until + LOCAL).strftime("%d/%m/%Y %H:%M"),
        }
        self.event(case, "shelter", at, actor, self.world.users[actor][2], text, sensitivity="shelter")
        if shelter["hold_now"]:
            self.bed_state[bed] = (case.id, until, None)

    @staticmethod
    def _bed_label(facility: FacilityInfo, bed: int) -> str:
        for bed_id, room, label in facility.beds:
            if bed_id == bed:
                return f"{room} / {label}"
        raise LookupError(bed)

    def _shelter(self, case: Case, shelter: dict) -> None:
        rng, now, labels = self.rng, self.now, self.labels
        facility, staff, admitted = shelter["facility"], shelter["staff"], shelter["admitted"]
        if admitted > now:
            return
        agency_id = facility.agency.id
        consent_id = None
        if shelter["walk_in"]:
            consent_id = self._consent(
                case,
                WALK_IN_CLASSES,
                facility.agency,
                admitted - 10 * MINUTE,
                staff,
                labels.stay_at % {"facility": facility.label},
            )
        discharged = shelter["discharged"]
        admitted_on = local_date(admitted)
        planned_end = admitted_on + datetime.timedelta(days=rng.randint(30, 120))
        if facility.max_stay_months:
            planned_end = min(planned_end, add_months(admitted_on, facility.max_stay_months))
        if discharged:
            planned_end = max(planned_end, local_date(discharged))
        stay_id = self.ids.next("stay")
        destination = shelter.get("destination", "") if discharged else ""
        self.rows["stay"].append(
            (
                stay_id,
                self._uuid(),
                case.id,
                facility.id,
                shelter["bed"],
                "walk_in" if shelter["walk_in"] else "placement",
                shelter["placement_id"],
                consent_id,
                admitted,
                staff,
                planned_end,
                discharged,
                staff if discharged else None,
                destination,
                "",
                shelter.get("reason", "") if discharged else "",
                admitted,
                discharged,
            )
        )
        if shelter["stay_now"]:
            self.bed_state[shelter["bed"]] = (None, None, case.id)
        text = labels.admitted % {
            "facility": facility.label,
            "bed": self._bed_label(facility, shelter["bed"]),
            "end": planned_end.strftime("%d/%m/%Y"),
        }
        self.event(case, "shelter", admitted, staff, agency_id, text, sensitivity="shelter")
        end = discharged or now
        completed = admitted + datetime.timedelta(hours=rng.uniform(2, 48))
        if completed <= end and rng.random() < 0.9:
            self.rows["intake"].append(
                (stay_id, self.world.intake_json(admitted_on), self.world.saved_json(admitted), completed, staff)
            )
            self.event(case, "shelter", completed, staff, agency_id, labels.intake_completed, sensitivity="shelter")
        else:
            self.rows["intake"].append(
                (stay_id, PARTIAL_INTAKE, self.world.saved_json(admitted, ("arrival",)), None, None)
            )
        self._services(case, stay_id, facility, staff, admitted_on, local_date(end))
        if discharged:
            text = labels.discharged % {
                "facility": facility.label,
                "destination": labels.destinations[destination],
                "reason": shelter["reason"],
            }
            self.event(case, "shelter", discharged, staff, agency_id, text, sensitivity="shelter")
            for months, due_on, visited_on, outcome, reminded, overdue in shelter["followups"]:
                recorder = facility.agency.pick(rng, SHELTER_STAFF, CASEWORKER) if outcome else None
                self.rows["followupvisit"].append(
                    (
                        stay_id,
                        case.id,
                        agency_id,
                        months,
                        due_on,
                        visited_on,
                        outcome,
                        "",
                        recorder,
                        reminded,
                        overdue,
                        False,
                    )
                )
                if outcome:
                    at = min(local_at(visited_on, 15), now)
                    text = labels.followup % {"months": months, "outcome": labels.outcomes[outcome]}
                    self.event(case, "followup", at, recorder, agency_id, text)

    def _services(self, case, stay_id, facility, staff, first: datetime.date, last: datetime.date) -> None:
        rng, labels = self.rng, self.labels
        kinds = ["essential_needs"]
        extra = ["counselling", "medical", "life_skills", "vocational", "legal_aid"] + (
            ["schooling"] if case.child else []
        )
        kinds += rng.sample(extra, rng.randint(0, 3))
        span = (last - first).days
        for kind in kinds:
            if kind == "essential_needs":
                provided_on, days = first, max(1, min(span + 1, rng.randint(7, 60)))
            else:
                provided_on, days = first + datetime.timedelta(days=rng.randint(0, span)), None
            at = min(local_at(provided_on, 16), self.now)
            sensitivity = "health" if kind in ("counselling", "medical") else "shelter"
            self.rows["servicerecord"].append(
                (stay_id, case.id, kind, provided_on, days, facility.label, "", sensitivity, staff, at)
            )
            self.event(case, "shelter", at, staff, facility.agency.id, labels.services[kind], sensitivity=sensitivity)
