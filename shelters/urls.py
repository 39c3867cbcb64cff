from django.urls import path

from shelters.views import board, followups, intake, intake_pdf, stays

app_name = "shelters"

urlpatterns = [
    path("", board.board, name="board"),
    path("counts/", board.board_counts, name="board-counts"),
    path("stays/<uuid:code>/", stays.stay_detail, name="stay"),
    path("stays/<uuid:code>/extend/", stays.extend, name="stay-extend"),
    path("stays/<uuid:code>/services/", stays.add_service, name="stay-service"),
    path("stays/<uuid:code>/discharge/", stays.discharge, name="stay-discharge"),
    path("stays/<uuid:code>/notes/", stays.add_note, name="stay-note"),
    path("stays/<uuid:code>/documents/", stays.upload_document, name="stay-document"),
    path("stays/<uuid:code>/intake/", intake.intake, name="intake"),
    path("stays/<uuid:code>/intake.pdf", intake_pdf.intake_pdf, name="intake-pdf"),
    path("stays/<uuid:code>/intake/complete/", intake.complete, name="intake-complete"),
    path("stays/<uuid:code>/intake/<slug:section>/", intake.save_section, name="intake-section"),
    path("followups/<int:pk>/", followups.record, name="followup"),
    path("<slug:facility>/", board.facility, name="facility"),
    path("<slug:facility>/beds/", board.beds, name="beds"),
    path("<slug:facility>/admit/<int:placement>/", stays.admit, name="admit"),
    path("<slug:facility>/walk-in/<uuid:code>/", stays.walk_in, name="walk-in"),
]
