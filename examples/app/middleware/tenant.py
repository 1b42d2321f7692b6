"""The new tenancy middleware."""


class TenantMiddleware:
    def __init__(self, app) -> None:
        self.app = app
