"""Moments and durations as the exported logbog prints them, in Danish local time (``bot.clock.LOCAL_TIME``)."""

from datetime import date, datetime, timedelta

from ..clock import LOCAL_TIME
from ..core.replies import eta_minutes


def timestamp(moment: datetime) -> str:
    """``2025-01-15 08:02:00 +01:00``: Danish local time with its UTC offset."""
    local = moment.astimezone(LOCAL_TIME)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.isoformat(timespec='seconds')[19:]}"


def clock(moment: datetime, day: date) -> str:
    """``08:02:00`` on the local ``day``, else ``2025-01-16 08:02:00``."""
    local = moment.astimezone(LOCAL_TIME)
    return f"{local:%H:%M:%S}" if local.date() == day else f"{local:%Y-%m-%d %H:%M:%S}"


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def minutes_seconds(duration: timedelta) -> str:
    """``mm:ss`` (minutes may exceed 59)."""
    minutes, seconds = divmod(int(duration.total_seconds()), 60)
    return f"{minutes:02d}:{seconds:02d}"


def hours_minutes(duration: timedelta) -> str:
    """``2 t 5 min``, ``45 min``, ``3 døgn 2 t 0 min``: how long a crisis lasted."""
    minutes = int(duration.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} døgn"] if days else []
    parts += [f"{hours} t"] if hours or days else []
    return " ".join([*parts, f"{minutes} min"])


def stated_arrival(answered_at: datetime, eta: str) -> datetime | None:
    """When an answer «kommer, ankomst 20 min» given at ``answered_at`` puts the arrival; None for other words."""
    minutes = eta_minutes(eta) if eta else None
    return None if minutes is None else answered_at + timedelta(minutes=minutes)
