import { Type } from 'typebox'
import { DisplayCut } from './files.js'

/**
 * The shapes inside CellResult's open `outputs` records, as vre-kernel gives them and the display
 * budget cuts them. The answer's schema leaves them open so that each passes whole; screens read
 * them by `type`.
 */
export const TableColumn = Type.Object({
  name: Type.String(),
  type: Type.String(),
  /** a pandas index level, shown as a leading column */
  index: Type.Optional(Type.Boolean())
})

/** At most the policy's row cap of rows; `rowCount` counts them all. */
export const TableOutput = Type.Object({
  type: Type.Literal('table'),
  columns: Type.Array(TableColumn),
  rows: Type.Array(Type.Array(Type.Unknown())),
  rowCount: Type.Integer(),
  truncated: Type.Boolean()
})

export const CellOutput = Type.Union([
  TableOutput,
  Type.Object({
    type: Type.Literal('stream'),
    name: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    text: Type.String()
  }),
  Type.Object({ type: Type.Literal('image'), mime: Type.String(), data: Type.String() }),
  Type.Object({ type: Type.Literal('text'), text: Type.String() }),
  Type.Object({
    type: Type.Literal('error'),
    ename: Type.String(),
    evalue: Type.String(),
    traceback: Type.Optional(Type.Array(Type.String()))
  }),
  DisplayCut
])
