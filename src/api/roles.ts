/** API key roles from weakest to strongest; each includes everything before it. */
export const ROLES = ["VIEWER", "SERVICE", "ENGINEER", "ADMIN"] as const;
export type RoleName = (typeof ROLES)[number];

/** Whether `role` may do what `required` may. */
export function isRoleAtLeast(role: RoleName, required: RoleName): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
