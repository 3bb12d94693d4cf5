/** A console table's header row, from the view's column names in the reader's language. */
export function ColumnHeads({ columns }: { columns: Readonly<Record<string, string>> | readonly string[] }) {
  return (
    <thead>
      <tr>
        {Object.values(columns).map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  )
}
