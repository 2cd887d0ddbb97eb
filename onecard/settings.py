"""One typed settings object, read once per process from the environment or `.env`."""

from __future__ import annotations

from contextlib import suppress
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.alerts.config import AlertConfig
from workers.money.amounts import Limits

OFFICIAL_API_BASE = "https://api.weixin.qq.com/cgi-bin/"
OFFICIAL_OAUTH_BASE = "https://open.weixin.qq.com/"
OFFICIAL_SNS_BASE = "https://api.weixin.qq.com/sns/"
#: The money limits' and the alert rules' defaults are written once, in the classes the workers
#: take (no I/O: plain frozen values); a deployment changes them here, and `bootstrap` builds both.
_LIMITS, _ALERTS = Limits(), AlertConfig()


class Settings(BaseSettings):
    """Everything a deployment may change. Secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(env_prefix="ONECARD_", env_file=".env", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # The operations listener of the web process (`/readyz`, `/metrics`, `/healthz`): kept off the
    # public callback port, and on the loopback unless a deployment opens it to its monitoring.
    ops_host: str = "127.0.0.1"
    ops_port: int = 8081
    # Proxies whose X-Forwarded-For names the client (comma-separated, `*` for any): the back-office's
    # sign-in throttling counts per client address, not per load balancer.
    forwarded_allow_ips: str = "127.0.0.1"
    data_dir: Path = Path("./var")

    wechat_token: SecretStr = SecretStr("onecard")
    wechat_appid: str = "wx0nec4rd0000demo"
    wechat_secret: SecretStr = SecretStr("onecard-demo-secret")
    wechat_aes_key: SecretStr | None = None
    # The previous EncodingAESKey, still accepted while WeChat rolls the new one out.
    wechat_previous_aes_key: SecretStr | None = None
    wechat_api_base: str = OFFICIAL_API_BASE
    # Web authorization (网页授权) of the pages under /m/: the authorize page and the code exchange.
    wechat_oauth_base: str = OFFICIAL_OAUTH_BASE
    wechat_sns_base: str = OFFICIAL_SNS_BASE
    # The web process as phones reach it (menu `view` buttons, links in replies, the OAuth redirect);
    # unset: http://HTTP_HOST:HTTP_PORT, right for `make run` and the chat simulator only.
    public_url: str | None = None
    # A page session (signed cookie) lasts this long; then WeChat is asked again, which the user never sees.
    page_session_seconds: int = 7200

    database_url: str | None = None
    broker_url: str | None = None
    # Prefix of every broker key / queue, so that several deployments (or test runs) share a server.
    broker_namespace: str = "onecard"

    card_system_url: str | None = None
    # Where `onecard run` serves the simulators (it sets this for its processes); `onecard chat` looks here.
    simulator_url: str | None = None
    #: Where `onecard run` serves the simulators when it starts them.
    simulator_port: int = 8090
    sms_backend: str = Field(default="file", pattern="^(file|http)$")
    sms_url: str | None = None
    sms_signature: str = "【校园一卡通】"
    # The school's public data store (meetings, grades, timetable, library, lockers).
    campus_data_url: str | None = None
    # How often the scheduler looks for library loans due in three days.
    loan_reminder_interval_seconds: float = 3600.0

    # Real-time card events (`/cardsystem/events`, `onecard card-feed`): the webhook's HMAC secret and
    # the thresholds of the suspicious-use rules. (Templates are the account's own: `onecard templates`.)
    card_events_secret: SecretStr = SecretStr("onecard-card-events-dev")
    card_feed_url: str | None = None
    card_feed_exchange: str = "cardsystem"
    card_feed_routing_key: str = "transaction.#"
    card_feed_queue: str = "onecard.card-events"
    alert_coalesce_seconds: int = _ALERTS.coalesce_seconds
    alert_daily_cap: int = _ALERTS.daily_cap
    alert_velocity_count: int = _ALERTS.velocity_count
    alert_velocity_minutes: int = _ALERTS.velocity_minutes
    alert_single_limit_fen: int = _ALERTS.single_limit_fen
    alert_campus_km: float = _ALERTS.campus_km
    alert_campus_minutes: int = _ALERTS.campus_minutes
    # Asia/Shanghai time of the daily summary (每日账单) for those who asked; empty: off.
    alert_summary_at: str = "21:00"

    # Signs SMS code hashes; rotate it and pending codes simply expire.
    secret_key: SecretStr = SecretStr("onecard-dev-secret-change-me")

    # How long a callback may sit unprocessed before the sweeper enqueues it again.
    redeliver_after_seconds: int = 30
    sweep_interval_seconds: float = 5.0
    max_body_bytes: int = 64 * 1024
    # Callbacks signed longer ago than this are refused as replays (0 turns the check off).
    max_clock_skew_seconds: int = 300

    # Redis broker: a worker silent this long is dead, and the messages it held are requeued by
    # the next "maintenance" pass (run on this many broker calls per million). dramatiq's defaults;
    # tests shorten them. The sweeper still covers what the broker loses.
    broker_heartbeat_timeout_ms: int = 60_000
    broker_maintenance_chance: int = 1_000
    # A worker pool serves Prometheus metrics on this port (`onecard worker --metrics-port`); unset: off.
    worker_metrics_port: int | None = None
    # Level of onecard's own log lines (`onecard.*`); DEBUG adds routine ones such as job claims.
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # Card-system and campus-data reads one worker process holds in flight (one thread each).
    calls_in_flight: int = 128
    # The scheduler wakes this often to see which job's period has come.
    scheduler_tick_seconds: float = 1.0

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.resolve()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with suppress(PermissionError):  # a folder someone else owns is left as they set it
            path.chmod(0o700)  # the owner's alone (`onecard.private_files`)
        return path

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_data_dir / 'onecard.db'}"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def sms_sink_path(self) -> Path:
        return self.resolved_data_dir / "sms.jsonl"

    @property
    def embedded_redis_path(self) -> Path:
        return self.resolved_data_dir / "redis.db"

    @property
    def safe_mode(self) -> bool:
        return self.wechat_aes_key is not None

    # -- money: top-up (圈存) and fee payments ------------------------------------------------
    bank_url: str | None = None
    fees_url: str | None = None
    # Per transaction and per card per day (Asia/Shanghai), in fen.
    money_max_per_transaction_fen: int = _LIMITS.per_transaction_fen
    money_max_per_day_fen: int = _LIMITS.per_day_fen
    # A `充值 50` waits this long for `确认`.
    money_confirm_seconds: int = _LIMITS.confirm_seconds
    # Each call to the bank, card ledger or a fee system; a timeout is an unknown outcome.
    money_call_timeout_seconds: float = 5.0
    # A relay holds an order this long per step; a killed relay's orders are free again after it.
    relay_lease_seconds: float = 30.0
    # Unknown outcomes per step before the relay gives the step up (void / reverse / refund).
    relay_max_attempts: int = 8
    # Local time (Asia/Shanghai) of the daily reconciliation of yesterday's statement; empty: off.
    reconcile_at: str = "02:00"
    # Local time of the daily reconciliation of WeChat Pay's trade bill, which WeChat Pay generates
    # after 10:00 the next day: from 10:00 it is yesterday's, before it the day before's; empty: off.
    reconcile_wechatpay_at: str = "10:30"
    # An order in an intermediate state for longer than this is reported stuck.
    reconcile_stuck_after_seconds: int = 600

    # -- WeChat Pay (微信支付 APIv3): the second way to top up --------------------------------------
    # All of mchid, cert serial, private key (PEM file), APIv3 key and the platform's public key
    # (PEM file, with its 微信支付公钥 ID) set: on. `onecard run` points them at the simulator.
    wechatpay_mchid: str | None = None
    wechatpay_cert_serial: str | None = None
    wechatpay_private_key: Path | None = None
    wechatpay_apiv3_key: SecretStr | None = None
    wechatpay_platform_public_key: Path | None = None
    wechatpay_platform_key_id: str | None = None
    wechatpay_api_base: str = "https://api.mch.weixin.qq.com/"
    # Where WeChat Pay posts notifications: this deployment's public address + /wechatpay/notify.
    wechatpay_notify_url: str | None = None
    # An order nobody paid is closed after this long (WeChat Pay's JSAPI orders: 15 minutes).
    wechatpay_close_after_seconds: int = 900

    @property
    def wechatpay_enabled(self) -> bool:
        return bool(self.wechatpay_mchid and self.wechatpay_cert_serial and self.wechatpay_private_key
                    and self.wechatpay_apiv3_key and self.wechatpay_platform_public_key
                    and self.wechatpay_platform_key_id)

    @property
    def resolved_wechatpay_notify_url(self) -> str:
        return self.wechatpay_notify_url or f"http://{self.http_host}:{self.http_port}/wechatpay/notify"
