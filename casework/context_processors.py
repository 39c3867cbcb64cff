from casework.models import Membership


def active_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_membership": getattr(user, "active_membership", None),
        "has_several_memberships": Membership.objects.filter(user=user, is_active=True).count() > 1,
    }
