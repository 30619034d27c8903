import { Field, ObjectType } from "type-graphql";
import { DatabaseKind } from "./enums";

@ObjectType({ description: "Liveness and what this server runs on." })
export class Health {
  @Field(() => String, { description: 'Always "ok" when the server answers and its database responds.' })
  status!: string;

  @Field(() => String, { description: "LogoLab version." })
  version!: string;

  @Field(() => DatabaseKind, { description: "Which PostgreSQL holds the registry." })
  database!: DatabaseKind;

  @Field(() => String, {
    description: 'Active TensorFlow.js backend: "tensorflow-gpu", "tensorflow", "wasm" or "cpu".',
  })
  mlBackend!: string;
}
