/**
 * The SLA engine (SLA.md): pure, no I/O, no clock of its own. Instants are epoch ms in the
 * low-level functions; evaluateClock also takes Date/DateTime and returns luxon DateTimes in
 * the calendar's zone.
 */
export type { StateCode } from '../states.js';
export { SlaInputError, SlaWalkLimitError } from './errors.js';
export {
  DEFAULT_TIMEZONE,
  SUPPORTED_COUNTRIES,
  WEEKDAYS,
  calendarConfigSchema,
  checkDayWindows,
  isHHMM,
  isIsoDate,
  parseCalendarConfig,
  windowProblemMessage,
  serviceDayMinutes,
  type CalendarConfig,
  type Country,
  type DayCheck,
  type HHMM,
  type ServiceCalendar,
  type WeeklyWindows,
  type Weekday,
  type WindowProblem,
  type WindowSpec,
} from './calendar.js';
export {
  checkWeek,
  nextWeekday,
  parseDateLines,
  parseWindowText,
  previewDays,
  splitAtMidnight,
  weekRuns,
  windowText,
  type DateLineProblem,
  type Piece,
  type PreviewDay,
  type TypedWindow,
  type WeekCheck,
  type WindowRefusal,
  type WindowTextProblem,
} from './calendar-input.js';
export { buildServiceCalendar, holidaysFor, publicHolidays, yearsAround, type PublicHoliday, type YearRange } from './holidays.js';
export { WALK_LIMIT_DAYS, type Interval } from './intervals.js';
export {
  SLA_METHODS,
  SLA_TARGETS,
  consumedMs,
  dueAt,
  elapsed,
  firstServiceInstant,
  isServiceInstant,
  measurementStart,
  nextBusinessDay,
  slaAmountSchema,
  slaMethodSchema,
  slaTargetSchema,
  unitMinutes,
  workingTime,
  type SlaMethod,
  type SlaTarget,
  type WorkingTime,
} from './methods.js';
export {
  checkHistory,
  evaluateClock,
  runningIntervals,
  type ClockInput,
  type ClockResult,
  type ClockState,
  type InstantLike,
  type RunningSet,
  type StateChange,
} from './clock.js';
