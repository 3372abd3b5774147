"""Development and test tools. Never imported by the app, and not part of the installed distribution."""
