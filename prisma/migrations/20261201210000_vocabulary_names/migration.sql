-- One name per concept: the optimizer and key-role enums take the names the API and the ML core use.
ALTER TYPE "OptimizerKind" RENAME TO "Optimizer";
ALTER TYPE "ApiKeyRole" RENAME TO "Role";
