"""The idea wall: every idea of the event per theme (or one theme), for whoever may see it (public, or the event's
attendees: the organiser's choice). The phone page, the projector page and `GET …/ideas` read the same."""

from __future__ import annotations

from core.db import utcnow
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas.access import event_themes, member_places, wall_event
from ideas.errors import UnknownTheme
from ideas.schemas import ThemeIdeasOut, WallOut
from ideas.views import idea_rows, ideas_in_votes, ideas_out, window_out


async def idea_wall(viewer: Principal | None, slug: str, theme: str | None = None) -> WallOut:
    """The ideas per theme in the organiser's theme order, oldest idea first within a theme."""
    event, config = await wall_event(slug, viewer)
    themes = await event_themes(event.id)
    titles = {t.key: t.title for t in themes}
    if theme is not None and theme not in titles:
        raise UnknownTheme(_l("Onbekend thema '%(theme)s'; kies uit: %(known)s.", theme=theme, known=", ".join(titles)),
                           field="theme")
    rows = await idea_rows(event.id, theme=theme)
    ideas = await ideas_out(rows, titles, await member_places(viewer, event.id),
                            await ideas_in_votes(event.id))
    groups = [ThemeIdeasOut(key=t.key, title=t.title, ideas=[i for i in ideas if i.theme == t.key])
              for t in themes if theme is None or t.key == theme]
    return WallOut(event=event.slug, event_title=event.title, wall=config.wall.value,
                   window=window_out(config, utcnow()), count=len(ideas), themes=groups)
