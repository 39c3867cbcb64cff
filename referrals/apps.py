from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from casework.signals import case_changed
        from referrals.signals import route_on_case_change

        case_changed.connect(route_on_case_change, dispatch_uid="referrals.route_on_case_change")
