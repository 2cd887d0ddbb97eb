"""The error tree that tells the broker whether to retry."""


class OnecardError(Exception):
    """Base of every error onecard raises on purpose."""


class PermanentError(OnecardError):
    """Retrying cannot help (bad input, a refusal by the other side): fail now."""


class TransientError(OnecardError):
    """The other side may answer next time (timeout, 5xx, busy): let the broker retry."""


class BadCallback(PermanentError):
    """A WeChat callback we refuse; `status` is the HTTP answer for the ingress."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
