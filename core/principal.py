"""Who is asking: the signed-in member as the rest of the app sees it.

In core because core.auth puts it on every request and every folder reads it; members makes it
(members.sessions.principal_for_token).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The signed-in member as the rest of the app sees it.

    `is_organiser` and `is_admin` are the global roles (granted by an administrator, members.roles). Roles at one
    event (facilitator, door) are asked per event (events.team.event_roles_of); `has_event_role` only says that
    the member holds one somewhere (for the menu), and grants nothing by itself.
    """

    id: int
    email: str
    name: str
    is_organiser: bool
    is_admin: bool
    token_kind: str
    has_event_role: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        roles = []
        if self.is_admin:
            roles.append("admin")
        if self.is_organiser:
            roles.append("organiser")
        roles.append("member")
        return tuple(roles)
