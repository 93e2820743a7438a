/**
 * A float as Go's `fmt.Sprint` and `strconv.FormatFloat(v, 'g', -1, 64)` write it, the form the
 * Pushgateway uses in its JSON API and for `le` and `quantile` values: the shortest digits that
 * read back as the same float, in exponent form (`1.234567e+06`, `1e-05`) when the decimal
 * exponent is below -4 or at least 6, else plain; `NaN`, `+Inf`, `-Inf`, and `-0` for negative zero.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value); // JavaScript writes these plain, with the same digits
  const digits = Math.abs(exponent).toString().padStart(2, "0");
  return `${mantissa}e${exponent < 0 ? "-" : "+"}${digits}`;
}

/**
 * A float as a label value of the Prometheus text format written by Go (`expfmt`'s writeFloat):
 * formatGoFloat, except that both zeros are `0`.
 */
export const formatGoLabelFloat = (value: number): string => (value === 0 ? "0" : formatGoFloat(value));
