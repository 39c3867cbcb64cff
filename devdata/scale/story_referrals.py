"""A case's referrals as the rows `do_send_referral` and the answers to it would write: steps and
deadlines, grants on acceptance and their revocation, consent, overdue flags and escalation,
handover minutes."""

import datetime
import json
import uuid

from casework.actions import ROLE_ACCESS
from devdata.scale import names
from devdata.scale.story_base import (
    CASEWORKER,
    CORE,
    CROSS_BORDER_ONLY,
    MINUTE,
    ROLE_ORDER,
    SHELTER_STAFF,
    SUPERVISOR,
    Case,
    Grant,
    Group,
    local_date,
)
from devdata.scale.world import AgencyInfo


class ReferralStory:
    """The referrals of a case; mixed into `Stories`, whose state (rng, ids, rows, world) it uses."""

    def _steps(self, purpose, sent: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
        """A referral's moves: acknowledged, then accepted, declined or cancelled, then perhaps
        handed over and completed. Some steps are late (flagged overdue, maybe escalated)."""
        rng = self.rng
        steps = [("sent", sent)]
        if rng.random() < 0.02:
            return [*steps, ("cancelled", sent + datetime.timedelta(hours=rng.uniform(0.5, 10)))]
        at = sent + self._delay(purpose.acknowledge_hours or 24)
        steps.append(("received", at))
        at += self._delay(purpose.decide_hours or 48)
        draw = rng.random()
        if draw < 0.09:
            return [*steps, ("declined", at)]
        if draw < 0.12:
            return [*steps, ("cancelled", at)]
        steps.append(("accepted", at))
        if rng.random() < 0.12:
            return steps
        at += self._delay(purpose.handover_hours or 72)
        steps.append(("handed_over", at))
        if rng.random() < 0.2:
            return steps
        return [*steps, ("completed", at + datetime.timedelta(days=rng.uniform(3, 90)))]

    def _delay(self, hours: int) -> datetime.timedelta:
        """Most steps are taken in time; about one in eight is late, some very late."""
        if self.rng.random() < 0.12:
            return datetime.timedelta(hours=hours * self.rng.uniform(1.05, 3) + self.rng.uniform(0, 30))
        return datetime.timedelta(hours=hours * self.rng.uniform(0.05, 0.9))

    def _spec(self, purpose_code: str, sender: AgencyInfo, receiver: AgencyInfo, at, steps=None, **extra) -> dict:
        purpose = self.ref.purposes[purpose_code]
        spec = {"purpose": purpose, "from": sender, "to": receiver, "at": at}
        spec["steps"] = steps if steps is not None else self._steps(purpose, at)
        if purpose.consent_required:
            classes = set(purpose.classes)
            if self.rng.random() < 0.1 and len(classes) > 2:
                classes.discard(sorted(classes - {CORE, "identity"})[0])
            spec["consent"] = (sorted(classes), at - datetime.timedelta(minutes=self.rng.uniform(5, 600)))
        spec.update(extra)
        return spec

    @staticmethod
    def _accepted(specs: list[dict], by: datetime.datetime) -> AgencyInfo | None:
        """The social-protection agency that accepted the case for protection, if it had by then."""
        for spec in specs:
            if spec["purpose"].code in ("protection_support", "repatriation_reception"):
                for status, at in spec["steps"]:
                    if status == "accepted" and at <= by and spec["to"].province:
                        return spec["to"]
        return None

    def _early_specs(self, case: Case, group: Group) -> list[dict]:
        rng, world, owner, purposes = self.rng, self.world, case.owner, self.ref.purposes
        specs = []
        sent = case.created_at + datetime.timedelta(minutes=rng.uniform(5, 720))
        if (
            group.notice in CROSS_BORDER_ONLY
            and owner.kind in purposes["repatriation_reception"].sender_kinds
            and rng.random() < 0.35
        ):
            to = world.national if owner.kind == "foreign_affairs" and rng.random() < 0.5 else world.social[case.home]
            if to is not owner:
                specs.append(self._spec("repatriation_reception", owner, to, sent))
        elif owner.kind in purposes["protection_support"].sender_kinds and rng.random() < 0.25:
            specs.append(self._spec("protection_support", owner, world.social[case.province], sent))
        if owner.kind in purposes["verification"].sender_kinds and rng.random() < 0.3:
            sent = case.created_at + datetime.timedelta(hours=rng.uniform(1, 48))
            specs.append(self._spec("verification", owner, world.police[case.province], sent))
        return [spec for spec in specs if spec["at"] <= self.now]

    def _late_specs(self, case: Case, kept: list[list], early: list[dict]) -> list[dict]:
        rng, world, owner, purposes, now = self.rng, self.world, case.owner, self.ref.purposes, self.now
        specs = []
        reached = {step[0]: step[1] for step in kept}

        def sender_for(code: str, at) -> AgencyInfo | None:
            if owner.kind in purposes[code].sender_kinds:
                return owner
            accepted = self._accepted(early, at)
            return accepted if accepted and accepted.kind in purposes[code].sender_kinds else None

        if "reintegrating" in reached and rng.random() < 0.15:
            at = reached["reintegrating"] + datetime.timedelta(days=rng.uniform(1, 20))
            to = rng.choice(world.communes[case.home]) if rng.random() < 0.6 else world.womens_union[case.home]
            sender = sender_for("reintegration_followup", at)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("reintegration_followup", sender, to, at))
        if "identified" in reached and rng.random() < 0.04:
            at = reached["identified"] + datetime.timedelta(days=rng.uniform(5, 90))
            to = rng.choice(world.ngos) if rng.random() < 0.5 else world.womens_union[case.home]
            sender = sender_for("legal_aid", at)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("legal_aid", sender, to, at))
        if rng.random() < 0.02:
            at = case.created_at + datetime.timedelta(days=rng.uniform(1, 30))
            to = world.social[case.province]
            sender = sender_for("medical", at)
            if sender is to:
                to = rng.choice(world.ngos)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("medical", sender, to, at))
        if rng.random() < 0.004 and owner.kind in purposes["protection_support"].sender_kinds:
            at = case.created_at + datetime.timedelta(hours=rng.uniform(1, 500))
            if at <= now:
                specs.append(
                    self._spec("protection_support", owner, world.social[case.province], at, steps=[("draft", at)])
                )
        return specs

    def _referral(self, case: Case, spec: dict, number: int) -> None:
        rng, now, labels = self.rng, self.now, self.labels
        purpose, sender, receiver = spec["purpose"], spec["from"], spec["to"]
        referral_id = self.ids.next("referral")
        reference = f"{case.reference}/R{number}"
        sent_by = self.actor(case) if sender is case.owner else sender.pick(rng, CASEWORKER, SUPERVISOR)
        facility = receiver.facility
        receiving = (
            receiver.pick(rng, SHELTER_STAFF, CASEWORKER) if facility else receiver.pick(rng, CASEWORKER, SUPERVISOR)
        )
        deciding = (
            receiver.pick(rng, SHELTER_STAFF, SUPERVISOR) if facility else receiver.pick(rng, SUPERVISOR, CASEWORKER)
        )
        note = NOTES[purpose.code]
        if "consent" in spec:
            classes, at = spec["consent"]
            self._consent(
                case, classes, receiver, max(at, case.created_at), self.actor(case), PURPOSE_OF_CONSENT[purpose.code]
            )
        steps = spec["steps"]
        if steps[0][0] == "draft":
            self.rows["referral"].append(
                (
                    referral_id,
                    self._uuid(),
                    reference,
                    case.id,
                    purpose.id,
                    sender.id,
                    receiver.id,
                    "draft",
                    steps[0][1],
                    note,
                    "",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    sent_by,
                    steps[0][1],
                    False,  # urgent
                    self.ref.provinces[case.province].pk,
                )
            )
            return
        events = self.rows["referralevent"]
        grants: list[Grant] = []
        status, since, due = "draft", steps[0][1], None
        decline_reason, assigned = "", None
        for new, at in steps:
            if at > now:
                break
            self._overdue(referral_id, purpose, sender, receiver, status, due, at)
            actor, actor_agency = {
                "sent": (sent_by, sender),
                "received": (receiving, receiver),
                "accepted": (deciding, receiver),
                "declined": (deciding, receiver),
                "handed_over": (receiving, receiver),
                "completed": (sent_by, sender),
                "cancelled": (sent_by, sender),
            }[new]
            reason = ""
            if new == "sent":
                reason = note
            elif new == "declined":
                reason = decline_reason = rng.choice(DECLINE_REASONS)
            elif new == "cancelled":
                reason = rng.choice(CANCEL_REASONS)
            elif new == "handed_over":
                reason = facility.label if facility else f"Trụ sở {receiver.name}"
            events.append((referral_id, status, new, reason, actor, actor_agency.id, at))
            label = f"{reference} · {purpose.name} · {labels.referral_status[new]}"
            self.event(case, "referral", at, actor, actor_agency.id, label)
            if new == "sent":
                roles = (CASEWORKER, SUPERVISOR, SHELTER_STAFF) if facility else (CASEWORKER, SUPERVISOR)
                for role in roles:
                    grants.append(
                        self._grant_role(case, receiver, role, {CORE}, False, reference, actor, at, purpose.code)
                    )
            elif new == "accepted":
                if "shelter" in spec:
                    self._hold(case, spec["shelter"], reference, at, actor)
                shared = set(purpose.classes) | {CORE}
                if purpose.consent_required:
                    shared &= self._consented(case, receiver, at) | {CORE}
                for role in ROLE_ORDER:
                    role_classes = ROLE_ACCESS[role][0]
                    granted = shared & set(role_classes) if role != SUPERVISOR else shared
                    if granted:
                        grants.append(
                            self._grant_role(case, receiver, role, granted, True, reference, actor, at, purpose.code)
                        )
                if rng.random() < 0.6 and receiver.staff.get(CASEWORKER):
                    assigned = receiver.pick(rng, CASEWORKER)
            elif new == "handed_over":
                self._minutes(referral_id, spec, sent_by, receiving, at, reason)
            if new in ("declined", "cancelled", "completed"):
                for grant in grants:
                    self.revoke(case, grant, by=actor, at=at, agency=actor_agency.id)
            status, since = new, at
            due = self._step_due(purpose, new, at)
        flagged, escalated_at, escalated_to = self._overdue(referral_id, purpose, sender, receiver, status, due, None)
        self.rows["referral"].append(
            (
                referral_id,
                self._uuid(),
                reference,
                case.id,
                purpose.id,
                sender.id,
                receiver.id,
                status,
                since,
                note,
                decline_reason,
                assigned,
                due,
                flagged,
                escalated_at,
                escalated_to.id if escalated_to else None,
                None,
                None,
                sent_by,
                steps[0][1],
                False,  # urgent: the stories mark none
                self.ref.provinces[case.province].pk,
            )
        )

    def _grant_role(self, case, receiver, role, classes, on_accept, reference, actor, at, purpose) -> Grant:
        return self.grant(
            case,
            group=receiver.groups[role],
            classes=classes,
            can_change=on_accept and role == CASEWORKER,
            source="referral",
            ref=reference,
            by=actor,
            at=at,
            agency=self.world.users[actor][2],
            purpose=purpose,
        )

    @staticmethod
    def _step_due(purpose, status: str, since: datetime.datetime) -> datetime.datetime | None:
        hours = {
            "sent": purpose.acknowledge_hours,
            "received": purpose.decide_hours,
            "accepted": purpose.handover_hours,
        }.get(status)
        return since + datetime.timedelta(hours=hours) if hours else None

    def _overdue(self, referral_id, purpose, sender, receiver, status, due, until):
        """The beat's flag (`do_flag_overdue_referrals`) and escalation of a step still open
        after its deadline, up to `until` (the next move, or now). Returns the referral's
        fields while the step is still open at the end."""
        end = until or self.now
        if due is None or end <= due + MINUTE:
            return None, None, None
        flagged = due + datetime.timedelta(seconds=self.rng.randint(1, 60))
        self.rows["referralevent"].append((referral_id, status, status, "overdue", None, None, flagged))
        escalated_at = escalated_to = None
        hours = purpose.escalate_after_hours
        if hours and end > due + datetime.timedelta(hours=hours, minutes=1):
            escalated_at = due + datetime.timedelta(hours=hours, seconds=self.rng.randint(61, 120))
            escalated_to = self._coordinator(receiver, sender)
            reason = "escalated" if escalated_to else "escalated: no coordinating agency is configured for the province"
            self.rows["referralevent"].append(
                (referral_id, status, status, reason, None, escalated_to.id if escalated_to else None, escalated_at)
            )
        return flagged, escalated_at, escalated_to

    def _coordinator(self, receiver: AgencyInfo, sender: AgencyInfo) -> AgencyInfo | None:
        for province in (receiver.province, sender.province):
            if province is not None:
                return self.world.social[province]
        return None

    def _consent(self, case, classes, agency: AgencyInfo, at, recorder, purpose, *, given_by=None) -> int:
        consent_id = self.ids.next("consent")
        representative = case.child and self.rng.random() < 0.8
        self.rows["consent"].append(
            (
                consent_id,
                case.id,
                "representative" if representative else "person",
                names.person_name(self.rng, female=True, ethnicity_code=None) if representative else "",
                self.world.classes_json(classes),
                agency.id,
                None,
                purpose,
                local_date(at),
                recorder,
                at,
                None,
                None,
                "",
            )
        )
        case.consents.append((agency.id, frozenset(classes), at))
        self.event(case, "consent", at, recorder, self.world.users[recorder][2], purpose)
        return consent_id

    @staticmethod
    def _consented(case: Case, agency: AgencyInfo, at) -> set[str]:
        allowed: set[str] = set()
        for agency_id, classes, given in case.consents:
            if agency_id == agency.id and given <= at:
                allowed |= classes
        return allowed

    def _minutes(self, referral_id, spec, sender_user, receiver_user, at, place) -> None:
        users, labels = self.world.users, self.labels
        self.rows["handoverminutes"].append(
            (
                referral_id,
                at,
                place,
                f"{users[sender_user][1]} ({labels.roles[CASEWORKER]})",
                f"{users[receiver_user][1]}",
                self.rng.choice(
                    ["Giấy chứng nhận về nước; tờ khai", "Căn cước công dân", "Không có giấy tờ", "Tờ khai"]
                ),
                self.rng.choice(["Quần áo cá nhân", "Điện thoại di động, quần áo", "Không có"]),
                self.rng.choice(["Muốn được về với gia đình", "Muốn học nghề", "Muốn được ở lại cơ sở một thời gian"]),
                SIGNED,
                receiver_user,
                min(at + datetime.timedelta(minutes=self.rng.randint(5, 120)), self.now),
            )
        )

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


NOTES = {
    "verification": "Đề nghị xác minh ban đầu (chậm nhất 03 ngày)",
    "protection_support": "Đề nghị tiếp nhận, hỗ trợ ngay",
    "shelter_placement": "Đề nghị bố trí nơi tạm lánh",
    "repatriation_reception": "Đề nghị tiếp nhận người trở về",
    "reintegration_followup": "Đề nghị hỗ trợ tái hòa nhập tại địa phương",
    "legal_aid": "Đề nghị trợ giúp pháp lý",
    "medical": "Đề nghị hỗ trợ y tế",
}
PURPOSE_OF_CONSENT = {
    "shelter_placement": "Bố trí nơi tạm lánh",
    "reintegration_followup": "Hỗ trợ tái hòa nhập cộng đồng",
    "legal_aid": "Trợ giúp pháp lý",
    "medical": "Hỗ trợ y tế",
}
DECLINE_REASONS = [
    "Không thuộc thẩm quyền",
    "Cơ sở hết chỗ",
    "Người được giới thiệu không đồng ý",
    "Chuyển cơ quan khác",
]
CANCEL_REASONS = ["Gửi nhầm cơ quan", "Người được hỗ trợ đã về địa phương", "Đã bố trí theo hướng khác"]
SIGNED = json.dumps(["sender", "receiver", "person"])
