import type { Role } from "../../src/vocabulary";

/** Who may call a root field: anyone (no key needed) or the least role that may. */
export type Access = "PUBLIC" | Role;

/**
 * The intended authorization of every root field, written from ../shared/API.md ("`health` needs
 * no key; viewer: queries and subscriptions; engineer: datasets, experiments, runs, aliases;
 * service: classifyImage; admin: keys"), not read from the resolvers. The matrix test fails when
 * the schema gains a field missing here, so a new field cannot ship without a decision.
 */
export const INTENDED_ACCESS: Record<string, Access> = {
  "Query.health": "PUBLIC",
  "Query.apiKeys": "ADMIN",
  "Query.datasets": "VIEWER",
  "Query.defaultHyperparameters": "VIEWER",
  "Query.dataset": "VIEWER",
  "Query.evaluation": "VIEWER",
  "Query.evaluations": "VIEWER",
  "Query.experiments": "VIEWER",
  "Query.experiment": "VIEWER",
  "Query.modelAliases": "VIEWER",
  "Query.leaderboard": "VIEWER",
  "Query.runs": "VIEWER",
  "Query.run": "VIEWER",
  "Query.compareRuns": "VIEWER",
  "Query.sweep": "VIEWER",
  "Query.sweeps": "VIEWER",
  "Mutation.createApiKey": "ADMIN",
  "Mutation.revokeApiKey": "ADMIN",
  "Mutation.classifyImage": "SERVICE",
  "Mutation.importDataset": "ENGINEER",
  "Mutation.generateSyntheticDataset": "ENGINEER",
  "Mutation.deleteDataset": "ENGINEER",
  "Mutation.evaluateModel": "ENGINEER",
  "Mutation.createExperiment": "ENGINEER",
  "Mutation.tagExperiment": "ENGINEER",
  "Mutation.setExperimentNote": "ENGINEER",
  "Mutation.deleteExperiment": "ENGINEER",
  "Mutation.setModelAlias": "ENGINEER",
  "Mutation.startRun": "ENGINEER",
  "Mutation.cancelRun": "ENGINEER",
  "Mutation.tagRun": "ENGINEER",
  "Mutation.setRunNote": "ENGINEER",
  "Mutation.deleteRun": "ENGINEER",
  "Mutation.startSweep": "ENGINEER",
  "Mutation.cancelSweep": "ENGINEER",
  "Subscription.runProgress": "VIEWER",
};

/**
 * Arguments that replace the generated ones where a generated call would start real work once
 * authorized: they still pass GraphQL's validation and fail in the service, after the role check.
 */
export const SAFE_ARGUMENTS: Record<string, Record<string, unknown>> = {
  // All of its input is optional: {} would generate a full SynthLogos-32 dataset.
  "Mutation.generateSyntheticDataset": { input: { seed: -1 } },
};
