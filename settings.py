"""Typed settings, read once from the environment.

Development defaults are safe for a laptop and clearly marked; `Settings.from_env()` refuses them when
`APP_ENV=production`, so a forgotten secret can never reach a real deployment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-insecure-secret-change-me"
DEV_WEBHOOK_SECRET = "whsec_dev_only_insecure"
DEV_STRIPE_SECRET = "sk_test_dev_localstripe"
DEV_STRIPE_PUBLISHABLE = "pk_test_dev_localstripe"
DEV_MAIL_FROM = "Nieuw Geluid <tickets@nieuwgeluid.local>"
DEV_ORGANISER_NAME = "Nieuw Geluid (ontwikkelomgeving)"
DEV_CONTACT_EMAIL = "contact@nieuwgeluid.local"
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'nieuw-geluid.sqlite3'}"


class SettingsError(RuntimeError):
    """Configuration that must not be used (e.g. development secrets in production)."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str = DEFAULT_SQLITE_URL
    db_pool_size: int = 10
    secret_key: str = DEV_SECRET
    public_base_url: str = "http://127.0.0.1:8000"
    # Stripe: real keys switch real Stripe on; without them a local Stripe-compatible server is used.
    stripe_secret_key: str = DEV_STRIPE_SECRET
    stripe_publishable_key: str = DEV_STRIPE_PUBLISHABLE
    stripe_webhook_secret: str = DEV_WEBHOOK_SECRET
    stripe_api_base: str | None = "http://127.0.0.1:8420"
    # Fractional only through HOLD_SECONDS (load tests let holds expire within seconds).
    hold_minutes: float = 15
    # Orders in progress at once per worker; the rest wait their turn in arrival order (core.admission). 0: no gate.
    order_concurrency: int = 16
    session_days: int = 14
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = DEV_MAIL_FROM
    mail_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "mail")
    background_jobs: bool = True
    job_interval_seconds: float = 5.0
    # Proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed; empty: the socket peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    # Multiplies every rate limit (core.ratelimit): 2 doubles each limit, 0.5 halves it (never below one hit per
    # window). 0 switches rate limiting off, nothing is counted (load benchmarks only; refused in production).
    # Negative values are refused everywhere.
    rate_limit_scale: float = 1.0
    # Who runs this platform, for the privacy statement, the terms and the contact page (and every page's footer).
    organiser_name: str = DEV_ORGANISER_NAME  # the legal name, e.g. "Stichting Nieuw Geluid"
    organiser_address: str = ""  # postal address, one line
    organiser_kvk: str = ""  # Chamber of Commerce (KvK) number, when registered
    contact_email: str = DEV_CONTACT_EMAIL  # for questions, privacy requests and complaints

    @property
    def legal(self) -> dict[str, str]:
        """What the footer and the legal pages show about the organiser."""
        return {"name": self.organiser_name, "address": self.organiser_address, "kvk": self.organiser_kvk,
                "email": self.contact_email}

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def uses_real_stripe(self) -> bool:
        return self.stripe_api_base is None

    @property
    def host(self) -> str:
        """Host name used in calendar UIDs and Message-IDs."""
        rest = self.public_base_url.split("://", 1)[-1]
        return rest.split("/", 1)[0].split(":", 1)[0] or "localhost"

    @property
    def secure_cookies(self) -> bool:
        return self.is_production or self.public_base_url.startswith("https://")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        secret_key = env.get("SECRET_KEY") or DEV_SECRET
        stripe_secret = env.get("STRIPE_SECRET_KEY") or ""
        real_stripe = stripe_secret.startswith(("sk_live_", "sk_test_", "rk_")) and not env.get("STRIPE_API_BASE")
        settings = cls(
            app_env=env.get("APP_ENV", "development"),
            database_url=env.get("DATABASE_URL") or DEFAULT_SQLITE_URL,
            db_pool_size=_int("DB_POOL_SIZE", 10),
            secret_key=secret_key,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            stripe_secret_key=stripe_secret or DEV_STRIPE_SECRET,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or DEV_STRIPE_PUBLISHABLE,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
            stripe_api_base=None if real_stripe else (env.get("STRIPE_API_BASE") or "http://127.0.0.1:8420"),
            hold_minutes=(_int("HOLD_SECONDS", 0) / 60) if env.get("HOLD_SECONDS") else _int("HOLD_MINUTES", 15),
            order_concurrency=_int("ORDER_CONCURRENCY", 16),
            session_days=_int("SESSION_DAYS", 14),
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_int("SMTP_PORT", 25),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_bool(env.get("SMTP_STARTTLS")),
            mail_from=env.get("MAIL_FROM") or DEV_MAIL_FROM,
            mail_dir=Path(env.get("MAIL_DIR") or PROJECT_ROOT / "var" / "mail"),
            background_jobs=_bool(env.get("BACKGROUND_JOBS"), default=True),
            job_interval_seconds=float(env.get("JOB_INTERVAL_SECONDS") or 5.0),
            trusted_proxies=tuple(p.strip() for p in (env.get("TRUSTED_PROXIES") or "").split(",") if p.strip()),
            rate_limit_scale=_float("RATE_LIMIT_SCALE", 1.0),
            organiser_name=(env.get("ORGANISER_NAME") or DEV_ORGANISER_NAME).strip(),
            organiser_address=(env.get("ORGANISER_ADDRESS") or "").strip(),
            organiser_kvk=(env.get("ORGANISER_KVK") or "").strip(),
            contact_email=(env.get("CONTACT_EMAIL") or DEV_CONTACT_EMAIL).strip(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse what is wrong anywhere, and development defaults in production."""
        if not self.rate_limit_scale >= 0:  # also NaN
            raise SettingsError(f"RATE_LIMIT_SCALE must be 0 (off) or positive, got {self.rate_limit_scale}")
        if self.order_concurrency < 0:
            raise SettingsError(f"ORDER_CONCURRENCY must be 0 (no gate) or positive, got {self.order_concurrency}")
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        if self.stripe_secret_key == DEV_STRIPE_SECRET or not self.uses_real_stripe:
            problems.append("STRIPE_SECRET_KEY must be a real Stripe key (and STRIPE_API_BASE unset)")
        if self.stripe_webhook_secret == DEV_WEBHOOK_SECRET:
            problems.append("STRIPE_WEBHOOK_SECRET must be set")
        if self.stripe_publishable_key == DEV_STRIPE_PUBLISHABLE:
            problems.append("STRIPE_PUBLISHABLE_KEY must be set")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be an https:// URL")
        if self.mail_from == DEV_MAIL_FROM or self.mail_from.rstrip(">").endswith(".local"):
            problems.append("MAIL_FROM must be set to a real sender address (not the development one)")
        if self.organiser_name == DEV_ORGANISER_NAME:
            problems.append("ORGANISER_NAME must be the organiser's legal name (shown on the privacy pages)")
        if self.contact_email == DEV_CONTACT_EMAIL or self.contact_email.endswith(".local"):
            problems.append("CONTACT_EMAIL must be a real address (shown on the privacy and contact pages)")
        if self.rate_limit_scale <= 0:
            problems.append("RATE_LIMIT_SCALE must be positive (0 switches rate limiting off: never in production)")
        if problems:
            raise SettingsError("Refusing to start in production: " + "; ".join(problems))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
