from django.contrib import admin

from kizuna.tickets import models


class EmailDomainInline(admin.TabularInline):
    model = models.EmailDomain
    extra = 1


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone"]
    search_fields = ["name"]
    inlines = [EmailDomainInline]


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "organization",
        "language",
        "technical_level",
        "role",
        "sees_organization",
    ]
    list_filter = ["language", "technical_level", "organization"]
    search_fields = ["name", "email"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "reminder_days", "auto_close_days", "reopen_days"]
    filter_horizontal = ["members"]


@admin.register(models.AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "timezone", "language"]
    list_filter = ["role"]
