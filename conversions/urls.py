"""The Respeecher API routes of this app, mounted at /api/."""

from .catalogue_urls import urlpatterns as catalogue_urlpatterns
from .library_urls import urlpatterns as library_urlpatterns

urlpatterns = library_urlpatterns + catalogue_urlpatterns
