"""The legacy tenancy middleware (STI014, opt-in: the seed's old + new pair)."""


class TenancyMiddleware:
    def __init__(self, app) -> None:
        self.app = app
