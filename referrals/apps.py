from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from casework.signals import case_changed, cases_changed
        from messaging.notify import register_param_choices
        from referrals.models import Referral, ReferralStatus
        from referrals.signals import (
            notify_on_followup_recorded,
            referral_changed,
            route_on_case_change,
            route_on_cases_change,
        )
        from shelters.models import FollowUpOutcome
        from shelters.signals import followup_recorded

        case_changed.connect(route_on_case_change, dispatch_uid="referrals.route_on_case_change")
        cases_changed.connect(route_on_cases_change, dispatch_uid="referrals.route_on_cases_change")
        followup_recorded.connect(notify_on_followup_recorded, dispatch_uid="referrals.notify_on_followup_recorded")
        # The notices referrals writes name a referral's step and a follow-up's outcome by code.
        register_param_choices("step", ReferralStatus)
        register_param_choices("outcome", FollowUpOutcome)
        # The inbox badge is cached per agency (decision 251): a referral to it changed.
        post_save.connect(referral_changed, sender=Referral, dispatch_uid="referrals.header_inbox_save")
        post_delete.connect(referral_changed, sender=Referral, dispatch_uid="referrals.header_inbox_delete")
