/** The options of a select, each with its value and the label a person reads. */
export function SelectOptions({
  options,
}: {
  options: ReadonlyArray<{ value: string | number; label: string }>;
}) {
  return options.map((option) => (
    <option key={option.value} value={option.value}>
      {option.label}
    </option>
  ));
}
