"""The verbs of the cards' ``Action.Execute`` buttons, and the data each carries.

Plain data with no botbuilder import: card rendering puts these verbs on buttons, and the
Teams handler turns a verb plus the user's identity into a ``bot.core.actions`` action.
Every button's ``data`` holds ``crisis`` (the crisis id) except ``raise_alarm``.
"""

from enum import StrEnum


class Verb(StrEnum):
    RAISE_ALARM = "raise_alarm"            # inputs: source, deliveries (comma-separated ids), description, phone
    ACKNOWLEDGE = "acknowledge"
    TRIAGE_INFORM_DIRECTOR = "triage_inform_director"   # input: assessment
    TRIAGE_NOT_CRITICAL = "triage_not_critical"         # input: assessment
    DIRECTOR_ACTIVATE = "director_activate"             # inputs: meeting_time (HH:MM), note
    DIRECTOR_INFORM = "director_inform"                 # inputs: members (comma-separated person ids), emails, note
    DIRECTOR_NO_ACTION = "director_no_action"           # input: note
    SUMMONS_COMING = "summons_coming"                   # input: eta
    SUMMONS_NOT_COMING = "summons_not_coming"
    MEETING_ALTERNATIVE = "meeting_alternative"         # data: place (meeting place id)
    LEVEL_CHANGE = "level_change"                       # data: level (level id)
    ADD_LOG_ENTRY = "add_log_entry"                     # inputs: kind (handling/beslutning/undladelse), text
    CLOSE = "close"                                     # input: note
    RECORD_CONTACT = "record_contact"                   # inputs: person (id), how, answer, eta (ContactRecorded's)
    RECORD_EXTERNAL = "record_external"                 # inputs: external (id), status (kontaktet/tilkaldt/indkald), note
    RECORD_ARRIVAL = "record_arrival"                   # input: person (a person's or external participant's id)
    REFRESH = "refresh"
