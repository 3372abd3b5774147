from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T16:57:20:000000"
VERSION = "1.38.0"
DESCRIPTION = ("One author row per idea and place, one version per number, one participation per vote and place; "
               "on SQLite the ballot table without a rowid")

# SQLite keeps a hidden, selectable rowid in insertion order in every ordinary table: ballots ordered by rowid would
# line up with participations ordered by id. WITHOUT ROWID stores the rows by their random primary key alone.
# (The table is new and empty here.) PostgreSQL has no such column; see docs/ideas-and-voting.md for its limits.
SQLITE_BALLOT_TABLE = (
    "DROP TABLE IF EXISTS idea_ballot",
    'CREATE TABLE idea_ballot ("id" VARCHAR(8) PRIMARY KEY NOT NULL, "vote" INTEGER REFERENCES "idea_vote" ("id")'
    ' ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null, "choices" TEXT NOT NULL DEFAULT \'[]\','
    ' "secret_hash" VARCHAR(64) NOT NULL DEFAULT \'\') WITHOUT ROWID',
    "CREATE INDEX IF NOT EXISTS idea_ballot_vote ON idea_ballot (vote)",
)

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS idea_author_idea_attendee ON idea_author (idea, attendee)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idea_version_idea_version ON idea_version (idea, version)",
    # The "has voted" table: a place votes once per vote. (NULL places, erased later, never collide.)
    "CREATE UNIQUE INDEX IF NOT EXISTS idea_vote_participation_vote_attendee"
    " ON idea_vote_participation (vote, attendee)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idea_juror_event_member ON idea_juror (event, member)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idea_jury_score_juror_idea_criterion"
    " ON idea_jury_score (juror, idea, criterion)",
    "CREATE INDEX IF NOT EXISTS idea_event_theme ON idea (event, theme_key)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ideas", description=DESCRIPTION)

    async def run():
        # Composite Unique() fails on SQLite (ALTER TABLE ADD CONSTRAINT); an index works on both engines.
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            for statement in SQLITE_BALLOT_TABLE:
                await engine.run_ddl(statement)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
