import { isId, orderedIds } from "../ids";

describe("orderedIds", () => {
  it("makes UUIDv7 ids that sort in the order they were made", () => {
    const ids = orderedIds(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every(isId)).toBe(true);
    expect(ids.every((id) => id[14] === "7" && "89ab".includes(id[19]))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });
});
