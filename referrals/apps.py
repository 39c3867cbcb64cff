from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from casework.signals import case_changed
        from referrals.signals import notify_on_followup_recorded, route_on_case_change
        from shelters.signals import followup_recorded

        case_changed.connect(route_on_case_change, dispatch_uid="referrals.route_on_case_change")
        followup_recorded.connect(notify_on_followup_recorded, dispatch_uid="referrals.notify_on_followup_recorded")
