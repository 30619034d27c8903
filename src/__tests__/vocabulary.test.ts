import * as prismaEnums from "../generated/prisma/enums";
import { ARCHITECTURES, LOSS_WEIGHTINGS, OPTIMIZERS } from "../ml/hyperparameters";
import {
  DATASET_FORMATS,
  DATASET_STATUSES,
  EVALUATION_STATUSES,
  ROLES,
  RUN_STATUSES,
  SWEEP_STRATEGIES,
} from "../vocabulary";

// Prisma's enums (prisma/schema.prisma) must list exactly the values the API and the ML core use:
// a value added to one and not the other would be accepted by GraphQL and refused by the database.
describe("the database's enums", () => {
  it.each([
    ["Architecture", prismaEnums.Architecture, ARCHITECTURES],
    ["Optimizer", prismaEnums.Optimizer, OPTIMIZERS],
    ["LossWeighting", prismaEnums.LossWeighting, LOSS_WEIGHTINGS],
    ["Role", prismaEnums.Role, ROLES],
    ["RunStatus", prismaEnums.RunStatus, RUN_STATUSES],
    ["DatasetStatus", prismaEnums.DatasetStatus, DATASET_STATUSES],
    ["DatasetFormat", prismaEnums.DatasetFormat, DATASET_FORMATS],
    ["EvaluationStatus", prismaEnums.EvaluationStatus, EVALUATION_STATUSES],
    ["SweepStrategy", prismaEnums.SweepStrategy, SWEEP_STRATEGIES],
  ])("%s holds the shared values in the same order", (_name, prismaEnum, shared) => {
    expect(Object.values(prismaEnum)).toEqual([...shared]);
  });
});
