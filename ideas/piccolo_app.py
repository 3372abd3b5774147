from pathlib import Path

from piccolo.conf.apps import AppConfig

from ideas.tables import (
    Ballot,
    Idea,
    IdeaAuthor,
    IdeaSettings,
    IdeaVersion,
    IdeaVote,
    Juror,
    JuryScore,
    VoteParticipation,
)

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="ideas",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[IdeaSettings, Idea, IdeaAuthor, IdeaVersion, IdeaVote, VoteParticipation, Ballot, Juror,
                   JuryScore],
    migration_dependencies=["events.piccolo_app", "members.piccolo_app", "ticketing.piccolo_app"],
    commands=[],
)
