"""The pure core: events of the logbog and the rules over them. No I/O, no clock reads."""
