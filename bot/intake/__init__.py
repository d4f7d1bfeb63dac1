"""What comes in from outside: monitoring webhooks, the alarm mailbox, heartbeats, and SMS
(alarms, replies to pages and delivery reports).

Every machine alarm goes through ``AlarmReceiver``, and every SMS through ``SmsInbox``, into
``Crises`` (``raise_alarm``, ``act`` or ``record``), so the lifecycle, the logbog and paging
stay the one path.
"""
