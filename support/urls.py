from django.urls import path

from support import views

app_name = "support"

# Under the case's own paths, as when the plan was part of casework.
urlpatterns = [
    path("cases/<uuid:code>/support/", views.support_plan, name="case-support"),
    path("cases/<uuid:code>/support/claims/", views.file_claim, name="case-claim"),
    path("cases/<uuid:code>/support/claims/<uuid:claim>/decide/", views.decide_claim, name="case-claim-decide"),
    path("cases/<uuid:code>/support/payments/", views.record_payment, name="case-payment"),
    path("cases/<uuid:code>/support/extensions/", views.extend_cap, name="case-cap-extension"),
]
