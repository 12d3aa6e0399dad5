"""The Partner API v4, mounted at settings.PARTNERS_URL_PREFIX (default /v4/partners/): each
sub-domain's routes, and the public pages behind the talent and demo URLs."""

from django.urls import path

from partners.jobs.api import urls as jobs
from partners.programs.api import urls as programs
from partners.talents.api import urls as talents
from partners.webhooks.api import urls as webhooks

app_name = "partners"

API = [*programs.ROUTES, *jobs.ROUTES, *talents.ROUTES, *webhooks.ROUTES]

urlpatterns = [path(route, view.as_view(), name=name) for route, view, name in API]
# Clients write trailing slashes too; those routes answer the same but stay out of the OpenAPI schema.
urlpatterns += [path(f"{route}/", view.as_view(schema=None)) for route, view, _ in API]
urlpatterns += talents.PAGES
