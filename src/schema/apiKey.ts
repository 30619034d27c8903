import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Role } from "./enums";

@ObjectType({ description: "An API key (its secret is shown only once, at creation)." })
export class ApiKey {
  @Field(() => ID, { description: "Key id." })
  id!: string;

  @Field(() => String, { description: "Human label." })
  name!: string;

  @Field(() => String, { description: "First characters of the secret, to tell keys apart." })
  prefix!: string;

  @Field(() => Role, { description: "What the key may do." })
  role!: Role;

  @Field(() => Date, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "Last authenticated use (minute resolution)." })
  lastUsedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "When it was revoked; revoked keys authenticate nothing.",
  })
  revokedAt!: Date | null;
}

@ObjectType({ description: "A new key and its secret." })
export class CreatedApiKey {
  @Field(() => ApiKey, { description: "The stored key." })
  apiKey!: ApiKey;

  @Field(() => String, { description: "The secret for `Authorization: Bearer`; it cannot be read again." })
  secret!: string;
}

@InputType({ description: "A new API key." })
export class CreateApiKeyInput {
  @Field(() => String, { description: "Human label, 1–100 characters." })
  name!: string;

  @Field(() => Role, { description: "Role of the key." })
  role!: Role;
}
