import { Field, Int, ObjectType, type ClassType } from "type-graphql";

@ObjectType({ description: "Relay page information." })
export class PageInfo {
  @Field(() => Boolean, { description: "Whether more items follow the last one of this page." })
  hasNextPage!: boolean;

  @Field(() => Boolean, {
    description: "Whether items precede the first one of this page (true when `after` was given).",
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first item of this page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last item; pass it as `after` for the next page.",
  })
  endCursor!: string | null;
}

/** The shape every connection resolver returns. */
export interface ConnectionValue<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Counted only when asked for. */
  totalCount?: number;
}

/** Builds the `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `An edge to one ${name}.` })
  class Edge {
    @Field(() => String, { description: "Opaque cursor of this item." })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [Edge], { description: "Items of this page with their cursors." })
    edges!: Edge[];

    @Field(() => [nodeType], { description: "Items of this page." })
    nodes!: T[];

    @Field(() => PageInfo, { description: "How to continue." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Number of items matching the query over all pages." })
    totalCount!: number;
  }
  return ConnectionType;
}
