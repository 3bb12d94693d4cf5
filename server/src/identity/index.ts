export { dayIn, isCalendarDate } from './calendar.js'
export {
  certificationProblem,
  certificationState,
  certificationView,
  eligibility,
  projectEligibility,
  projectState
} from './eligibility.js'
