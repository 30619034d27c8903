import { randomBytes } from "node:crypto";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` can be an id of a LogoLab row (all ids are UUIDs). */
export function isId(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/**
 * `count` new UUIDv7 ids that sort in the order given (one millisecond, `rand_a` counting up), for
 * rows written together whose order matters, such as a sweep's runs (ties of `createdAt` are broken
 * by id).
 */
export function orderedIds(count: number): string[] {
  if (count > 0x1000) throw new Error(`at most ${0x1000} ordered ids at once`);
  const timestamp = Date.now().toString(16).padStart(12, "0");
  return Array.from({ length: count }, (_, i) => {
    const random = randomBytes(8);
    random[0] = (random[0] & 0x3f) | 0x80;
    const tail = random.toString("hex");
    const sequence = (0x7000 | i).toString(16);
    return `${timestamp.slice(0, 8)}-${timestamp.slice(8)}-${sequence}-${tail.slice(0, 4)}-${tail.slice(4)}`;
  });
}
