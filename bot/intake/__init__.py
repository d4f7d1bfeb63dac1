"""Alarms from machines and mail: monitoring webhooks, the alarm mailbox and heartbeats.

Every alarm goes through ``AlarmReceiver`` into ``Crises`` (``raise_alarm`` or ``act``), so
the lifecycle, the logbog and paging stay the one path.
"""
