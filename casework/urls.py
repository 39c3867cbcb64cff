from django.urls import path

from casework.views import account, auth, case_actions, cases, corrections

app_name = "casework"

urlpatterns = [
    path("", cases.case_list, name="case-list"),
    path("sign-in/", auth.sign_in, name="login"),
    path("sign-out/", auth.sign_out, name="logout"),
    path("sign-in/code/", account.sign_in_code, name="sign-in-code"),
    path("sign-in/enrol/", account.sign_in_enrol, name="sign-in-enrol"),
    path("agency/", auth.choose_agency, name="choose-agency"),
    path("account/", account.account, name="account"),
    path("account/confirm/", account.reauthenticate, name="reauthenticate"),
    path("account/password/", account.password_change, name="password-change"),
    path("account/two-factor/", account.two_factor_setup, name="two-factor-setup"),
    path("account/recovery-codes/", account.new_recovery_codes, name="recovery-codes"),
    path("account/colleagues/", account.colleagues, name="colleagues"),
    path(
        "account/colleagues/<str:user_id>/two-factor/reset/",
        account.reset_colleague_two_factor,
        name="colleague-two-factor-reset",
    ),
    path("password-reset/", account.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", account.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", account.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("cases/new/", cases.case_create, name="case-create-start"),
    path("cases/new/<slug:step>/", cases.case_create, name="case-create"),
    path("cases/<uuid:code>/", cases.case_detail, name="case-detail"),
    path("cases/<uuid:code>/access/", cases.case_access_list, name="case-access"),
    path("cases/<uuid:code>/documents/<uuid:document>/", cases.document_download, name="document-download"),
    path("cases/<uuid:code>/transition/", case_actions.transition, name="case-transition"),
    path("cases/<uuid:code>/identification/", case_actions.identification, name="case-identification"),
    path("cases/<uuid:code>/proposal/", case_actions.propose_identification, name="case-proposal"),
    path("cases/<uuid:code>/verification/", case_actions.verification, name="case-verification"),
    path("cases/<uuid:code>/return/", case_actions.record_return, name="case-return"),
    path("cases/<uuid:code>/tasks/", case_actions.complete_task, name="case-task"),
    path("cases/<uuid:code>/reopen/", case_actions.reopen, name="case-reopen"),
    path("cases/<uuid:code>/assign/", case_actions.assign, name="case-assign"),
    path("cases/<uuid:code>/notes/", case_actions.add_note, name="case-note"),
    path("cases/<uuid:code>/documents/", case_actions.upload_document, name="case-document"),
    path("cases/<uuid:code>/consents/", case_actions.record_consent, name="case-consent"),
    path("cases/<uuid:code>/consents/withdraw/", case_actions.withdraw_consent, name="case-consent-withdraw"),
    path("cases/<uuid:code>/incident/", case_actions.link_incident, name="case-incident"),
    path("cases/<uuid:code>/offenders/", case_actions.add_offender, name="case-offender"),
    path("cases/<uuid:code>/edit/", corrections.case_edit, name="case-edit"),
    path("cases/<uuid:code>/person/edit/", corrections.person_edit, name="person-edit"),
    path("cases/<uuid:code>/incident/edit/", corrections.incident_edit, name="case-incident-edit"),
    path("cases/<uuid:code>/incident/link/", corrections.incident_link, name="case-incident-link"),
    path("cases/<uuid:code>/incident/unlink/", corrections.incident_unlink, name="case-incident-unlink"),
    path("cases/<uuid:code>/offenders/<int:offender>/", corrections.offender_edit, name="case-offender-edit"),
    path(
        "cases/<uuid:code>/offenders/<int:offender>/remove/", corrections.offender_remove, name="case-offender-remove"
    ),
    path("incidents/<uuid:incident>/", corrections.incident_detail, name="incident-detail"),
]
