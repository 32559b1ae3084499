// Expands an iCalendar file with ical.js (an independent parser), using the
// file's own VTIMEZONE components: one line per VEVENT,
// "UID<TAB>start UTC ms<TAB>end UTC ms<TAB>STATUS", for the meetings tests.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ICAL = require("ical.js");

const text = readFileSync(process.argv[2], "utf8");
const cal = new ICAL.Component(ICAL.parse(text));
// Only the zones the file carries: nothing from ical.js's own data.
for (const vtz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(vtz);
for (const ve of cal.getAllSubcomponents("vevent")) {
  const ev = new ICAL.Event(ve);
  const tzid = ve.getFirstProperty("dtstart").getParameter("tzid");
  if (tzid && !ICAL.TimezoneService.has(tzid)) throw new Error("no VTIMEZONE for " + tzid);
  const start = ev.startDate.toJSDate().getTime();
  const end = ev.endDate.toJSDate().getTime();
  console.log([ev.uid, start, end, ve.getFirstPropertyValue("status")].join("\t"));
}
