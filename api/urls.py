from django.urls import path

from api.service import api

urlpatterns = [path("", api.urls)]
