"""The HTTP API's door: what every request passes before it is read (the Host check, the cross-site rule, the
rate limit per address), and the role its token earns. One per app, handed to the API's handlers.

The rules themselves live elsewhere, once: the Host check in `Admission` (shared with the WebSocket), the
cross-site rule in `core/cross_site.py`, roles and tokens in `auth.py`, the limit in `core/address_limits.py`.
"""

from __future__ import annotations

from tornado.httputil import HTTPServerRequest

from ..core.address_limits import AddressLimits
from ..core.cross_site import cross_site_refusal
from ..core.errors import ErrorCode, ProtocolError
from ..core.server_session import Role
from . import auth
from .admission import Admission
from .channel import LoopClock
from .config import ServerConfig


class ApiGate:
    """Refuses (with ProtocolError) what may not come in; says who may control."""

    def __init__(self, config: ServerConfig, admission: Admission, clock: LoopClock) -> None:
        self.config = config
        self.admission = admission
        self.clock = clock
        self.limits = AddressLimits(config.max_messages_per_second)

    def admit(self, request: HTTPServerRequest) -> None:
        """Raise `forbidden` for a refused Host or a request a browser marks as another site's, `rate_limited`
        (RateLimited, with its Retry-After) for an address over the limit. Refused requests do not count against
        the limit, so a page of another site cannot use up the limit of the controllers on this machine."""
        refusal = self.admission.host(request.host)
        if refusal is not None:
            raise ProtocolError(ErrorCode.FORBIDDEN, refusal.reason)
        reason = cross_site_refusal(request.host, request.headers.get("Origin"),
                                    request.headers.get("Sec-Fetch-Site"), self.config.allow_origins)
        if reason is not None:
            raise ProtocolError(ErrorCode.FORBIDDEN, reason)
        self.limits.check(request.remote_ip or "", self.clock.now_ms())

    def role(self, request: HTTPServerRequest) -> Role:
        """The role the request's token earns, as on the WebSocket; a wrong token is refused (`forbidden`)."""
        try:
            return auth.role_for(auth.presented_token(request), self.config.control_token)
        except auth.WrongToken as error:
            raise ProtocolError(ErrorCode.FORBIDDEN, f"{error} (present it as ?token= or Authorization: "
                                "Bearer, or leave it out to read)") from None

    @staticmethod
    def require_controller(role: Role) -> None:
        """Raise `forbidden` unless `role` may control timers."""
        if role is not Role.CONTROLLER:
            raise ProtocolError(ErrorCode.FORBIDDEN, "without the control token this request may only read: "
                                "present it as ?token= or Authorization: Bearer to control the timer")
