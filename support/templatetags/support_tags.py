from django import template

from casework.disclosure import section_class

register = template.Library()


@register.inclusion_tag("support/_case_support.html")
def case_support(case, held):
    """The case page's support section for holders of the `support` class: a placeholder the
    plan is loaded into by htmx (support.views.support_plan), a link without JavaScript."""
    return {"shown": section_class("support") in held, "case": case}
