import { dominantClass, parseFlickrLogos27Query, parseFlickrLogos27Training } from "../flickrLogos27Layout";

describe("parseFlickrLogos27Training", () => {
  it("keeps each distinct box once although the file repeats it per subset", () => {
    const text = [
      "1.jpg Cocacola 3 207 57 385 210 ",
      "1.jpg Cocacola 4 207 57 385 210 ",
      "2.jpg Apple 2 143 13 384 224",
      "1.jpg Pepsi 1 10 10 30 40",
      "1.jpg Cocacola 5 1 2 3 4",
      "",
    ].join("\n");
    expect(parseFlickrLogos27Training(text)).toEqual([
      {
        file: "1.jpg",
        boxes: [
          { className: "Cocacola", x: 207, y: 57, width: 178, height: 153 },
          { className: "Pepsi", x: 10, y: 10, width: 20, height: 30 },
          { className: "Cocacola", x: 1, y: 2, width: 2, height: 2 },
        ],
      },
      { file: "2.jpg", boxes: [{ className: "Apple", x: 143, y: 13, width: 241, height: 211 }] },
    ]);
  });

  it("names a malformed line", () => {
    expect(() => parseFlickrLogos27Training("1.jpg Apple 1 5 5 2 9")).toThrow(
      'line 1 is not "<file> <class> <subset> <x1> <y1> <x2> <y2>": "1.jpg Apple 1 5 5 2 9"',
    );
  });
});

describe("parseFlickrLogos27Query", () => {
  it("reads tab-separated file and class lines", () => {
    expect(parseFlickrLogos27Query("3.jpg\tnone\r\n4.jpg\tHP\n")).toEqual([
      { file: "3.jpg", className: "none" },
      { file: "4.jpg", className: "HP" },
    ]);
  });
});

describe("dominantClass", () => {
  it("picks the class with the largest total box area", () => {
    expect(
      dominantClass([
        { className: "Pepsi", x: 0, y: 0, width: 10, height: 10 },
        { className: "Cocacola", x: 0, y: 0, width: 8, height: 8 },
        { className: "Cocacola", x: 0, y: 0, width: 8, height: 8 },
      ]),
    ).toBe("Cocacola");
  });
});
