#!/usr/bin/env python3
"""Expands an iCalendar file with python3-icalendar (Debian): one line per
VEVENT, "UID<TAB>start UTC ms<TAB>end UTC ms<TAB>STATUS", for the meetings
tests. Also checks what RFC 5545 asks of the text itself: CRLF line ends,
lines of at most 75 octets, a VTIMEZONE for every TZID used."""
import sys
import icalendar

raw = open(sys.argv[1], "rb").read()
lines = raw.split(b"\r\n")
assert lines[-1] == b"", "the file ends with CRLF"
for line in lines:
    assert b"\n" not in line and b"\r" not in line, "a bare LF or CR"
    assert len(line) <= 75, "a line over 75 octets: %r" % line[:80]
cal = icalendar.Calendar.from_ical(raw)
zones = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
for ev in cal.walk("VEVENT"):
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    tzid = ev["DTSTART"].params.get("TZID")
    assert tzid is None or tzid in zones, "no VTIMEZONE for %s" % tzid
    assert start.tzinfo is not None, "a floating time"
    print("\t".join([str(ev["UID"]), str(int(start.timestamp() * 1000)), str(int(end.timestamp() * 1000)),
                     str(ev.get("STATUS", ""))]))
