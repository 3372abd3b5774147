"""Ideas' domain errors: stable codes, mapped once to problem+json by core.errors."""

from __future__ import annotations

from core.errors import Conflict, Forbidden, InvalidInput, NotFound


class IdeaNotFound(NotFound):
    code = "idea_not_found"


class WallForAttendees(Forbidden):
    """The organiser keeps the idea wall to the event's ticket holders."""

    code = "wall_for_attendees"


class NotAnAuthor(Forbidden):
    code = "not_an_author"


class NotATicketHolder(InvalidInput):
    """A co-author named by an address that holds no ticket for the event."""

    code = "co_author_not_a_ticket_holder"


class InvalidIdea(InvalidInput):
    code = "invalid_idea"


class UnknownTheme(InvalidInput):
    code = "unknown_theme"


class WindowNotOpen(Conflict):
    """Ideas are submitted and edited only while the window is open."""

    code = "idea_window_closed"


class IdeaInVote(Conflict):
    """An idea on the ballot paper of a vote no longer changes."""

    code = "idea_in_vote"


class InvalidSettings(InvalidInput):
    code = "invalid_idea_settings"


class JuryLocked(Conflict):
    """Criteria and weights are published in advance: they stay as they are once a vote opened or a juror scored."""

    code = "jury_locked"


class VoteNotFound(NotFound):
    code = "vote_not_found"


class NoIdeas(Conflict):
    code = "no_ideas_to_vote_on"


class VoteClosed(Conflict):
    code = "vote_closed"


class VoteNotClosed(Conflict):
    """Results are published when the vote closes, not before."""

    code = "vote_not_closed"


class NotEligible(Forbidden):
    code = "not_eligible_to_vote"


class AlreadyVoted(Conflict):
    """One ballot per ticket holder: change it with the receipt instead."""

    code = "already_voted"


class InvalidBallot(InvalidInput):
    code = "invalid_ballot"


class ReceiptNotFound(NotFound):
    """No ballot of this vote has this receipt (or the receipt's secret is wrong)."""

    code = "receipt_not_found"


class NotAJuror(Forbidden):
    code = "not_a_juror"


class JurorNotFound(NotFound):
    code = "juror_not_found"


class JurorHasScored(Conflict):
    """A juror who has scored stays: their scores are part of a result, or will be."""

    code = "juror_has_scored"


class NoSuchMember(InvalidInput):
    """A juror is named by the e-mail address of an account that confirmed it."""

    code = "juror_not_a_member"


class IdeaJudged(Conflict):
    """A vote holding this idea has closed: its result, with the jury's scores, is published and stays."""

    code = "idea_result_published"


class InvalidScore(InvalidInput):
    code = "invalid_jury_score"


__all__ = [
    "AlreadyVoted",
    "IdeaInVote",
    "IdeaJudged",
    "IdeaNotFound",
    "InvalidBallot",
    "InvalidIdea",
    "InvalidScore",
    "InvalidSettings",
    "JurorHasScored",
    "JurorNotFound",
    "JuryLocked",
    "NoIdeas",
    "NoSuchMember",
    "NotAJuror",
    "NotATicketHolder",
    "NotAnAuthor",
    "NotEligible",
    "ReceiptNotFound",
    "UnknownTheme",
    "VoteClosed",
    "VoteNotClosed",
    "VoteNotFound",
    "WallForAttendees",
    "WindowNotOpen",
]
