from __future__ import annotations

from django.utils.cache import patch_cache_control

PRIVATE_PREFIXES = ("/api/", "/_allauth/")


class NoStoreForPrivateDataMiddleware:
    """API and account responses carry health data or credentials: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            patch_cache_control(response, no_store=True, private=True)
        return response
