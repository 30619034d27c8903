const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` can be an id of a LogoLab row (all ids are UUIDs). */
export function isId(value: string): boolean {
  return UUID_PATTERN.test(value);
}
