"""Voice calls: a page read aloud by phone, answered with keys on the keypad."""
