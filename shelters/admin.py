from django.contrib import admin

from shelters.models import Bed, Facility


class BedInline(admin.TabularInline):
    """Rooms and beds only: who holds or occupies a bed is case data, never shown here."""

    model = Bed
    fields = ["room", "label", "is_active"]
    extra = 1


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "takes_women", "takes_men", "takes_children", "is_active"]
    list_filter = ["kind", "province", "is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["agency"]
    inlines = [BedInline]
