/**
 * The weekly windows the benchmarks' contracts use, in the form `service_calendars.windows` and
 * parseCalendarConfig take: the seeds and the SLA benchmark measure against the same week.
 */
const day = (from: string, to: string): [string, string][] => [[from, to]];

/** Monday to Friday 08:00–16:00 (with CZ holidays it is the vendor's usual service calendar). */
export const OFFICE_HOURS = {
  mon: day('08:00', '16:00'),
  tue: day('08:00', '16:00'),
  wed: day('08:00', '16:00'),
  thu: day('08:00', '16:00'),
  fri: day('08:00', '16:00'),
  sat: [],
  sun: [],
};

/** Every day, all day: a clock that never stops, for benchmarks that must not depend on the hour they run at. */
export const AROUND_THE_CLOCK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, day('00:00', '24:00')]));
