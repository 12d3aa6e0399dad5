"""Who may do what in the gallery: anyone reads, admins write."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..selectors import is_gallery_admin


class ReadAnyoneWriteAdmin(BasePermission):
    """Reads are public; writes need credentials (401) of an admin (403)."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return is_gallery_admin(request.user)


class GalleryAdminOnly(BasePermission):
    def has_permission(self, request, view):
        return is_gallery_admin(request.user)
