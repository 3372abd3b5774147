"""Development and test tools, not part of the installed distribution. No application folder imports them (an
import-linter contract); `app.py` reaches the demo seed only from its `seed-demo` development command."""
