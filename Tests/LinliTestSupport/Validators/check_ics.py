"""Reads an iCalendar file with the `icalendar` package (independent of Linli's writer) and
prints its events as JSON. Fails on any parse error, a line longer than 75 octets, a line
that is not UTF-8 on its own, or a line not ended by CRLF."""
import json
import sys

import icalendar

data = open(sys.argv[1], "rb").read()
if not data.endswith(b"\r\n"):
    sys.exit("the file does not end with CRLF")
for number, line in enumerate(data[:-2].split(b"\r\n"), 1):
    if b"\n" in line or b"\r" in line:
        sys.exit(f"line {number}: a bare line break")
    if len(line) > 75:
        sys.exit(f"line {number}: {len(line)} octets (at most 75)")
    line.decode("utf-8")  # a fold must not split a UTF-8 sequence

calendar = icalendar.Calendar.from_ical(data)
errors = [(component.name, component.errors) for component in calendar.walk() if component.errors]
if errors:
    sys.exit(f"parse errors: {errors}")

zones = [str(zone.get("TZID")) for zone in calendar.walk("VTIMEZONE")]
events = []
for event in calendar.walk("VEVENT"):
    start = event.decoded("DTSTART")
    end = event.decoded("DTEND")
    events.append({
        "uid": str(event.get("UID")),
        "summary": str(event.get("SUMMARY")),
        "location": str(event.get("LOCATION", "")),
        "description": str(event.get("DESCRIPTION", "")),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "tzid": str(event["DTSTART"].params.get("TZID", "")),
        "utcoffset": start.utcoffset().total_seconds() if start.utcoffset() is not None else None,
        "sequence": int(event.get("SEQUENCE", 0)),
        "status": str(event.get("STATUS", "")),
        "stamp": event.decoded("DTSTAMP").isoformat(),
    })
print(json.dumps({
    "method": str(calendar.get("METHOD")),
    "version": str(calendar.get("VERSION")),
    "name": str(calendar.get("X-WR-CALNAME", "")),
    "zones": zones,
    "events": events,
}, ensure_ascii=False))
