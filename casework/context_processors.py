from casework.middleware import SESSION_MEMBERSHIP_COUNT_KEY


def active_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_membership": getattr(user, "active_membership", None),
        "has_several_memberships": request.session.get(SESSION_MEMBERSHIP_COUNT_KEY, 0) > 1,
    }
