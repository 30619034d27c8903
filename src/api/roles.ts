import { ROLES, type Role } from "../vocabulary";

/** Whether `role` may do what `required` may. */
export function isRoleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
