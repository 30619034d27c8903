import type { AuthChecker } from "type-graphql";
import { ForbiddenError, UnauthenticatedError } from "../errors";
import type { ApiKeyService } from "../experiments/apiKeys";
import type { Role } from "../vocabulary";
import { isRoleAtLeast } from "./roles";

/** The caller of a request, as established from its API key. */
export interface Principal {
  keyId: string;
  role: Role;
}

/** Anything that carries the caller (the GraphQL context). */
export interface HasPrincipal {
  principal: Principal | null;
}

/** Extracts the secret from `Authorization: Bearer <key>`; undefined when absent. */
export function bearerSecret(authorization: string | undefined | null): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new UnauthenticatedError("Authorization header must be `Bearer <api key>`");
  return match[1];
}

/**
 * The principal of a request: null without credentials (public fields still work); an unknown or
 * revoked key is rejected outright rather than silently treated as anonymous.
 */
export async function authenticate(
  authorization: string | undefined | null,
  apiKeys: ApiKeyService,
): Promise<Principal | null> {
  const secret = bearerSecret(authorization);
  if (secret === undefined) return null;
  const apiKey = await apiKeys.authenticate(secret);
  if (!apiKey) throw new UnauthenticatedError("API key is invalid or revoked");
  return { keyId: apiKey.id, role: apiKey.role };
}

/** Throws unless the caller holds at least `required`. */
export function requireRole(principal: Principal | null, required: Role): Principal {
  if (!principal)
    throw new UnauthenticatedError("this operation needs an API key (Authorization: Bearer <key>)");
  if (!isRoleAtLeast(principal.role, required)) {
    throw new ForbiddenError(`this operation needs role ${required}; the key has role ${principal.role}`, {
      requiredRole: required,
    });
  }
  return principal;
}

/** type-graphql's `@Authorized(role)`: the field needs at least that role. */
export const authChecker: AuthChecker<HasPrincipal, Role> = ({ context }, roles) => {
  const required = roles[0] ?? "VIEWER";
  requireRole(context.principal, required);
  return true;
};
