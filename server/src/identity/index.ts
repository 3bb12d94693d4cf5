export { dayIn, isCalendarDate } from './calendar.js'
export {
  certificationProblem,
  certificationState,
  certificationView,
  eligibility,
  projectState
} from './eligibility.js'
