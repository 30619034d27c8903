import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetchImage } from "../imageUrlFetch";

let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/redirect-to-metadata") {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" });
      res.end();
    } else res.end("image bytes");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const limits = { maxBytes: 1024, timeoutMs: 2000 };

describe("fetchImage", () => {
  it("refuses loopback addresses, even though the server there answers", async () => {
    await expect(fetchImage(`http://127.0.0.1:${port}/logo.jpg`, limits)).rejects.toMatchObject({
      message: "imageUrl must point at a public address",
      details: { field: "imageUrl" },
    });
  });

  it("refuses host names that resolve to private addresses", async () => {
    await expect(fetchImage(`http://localhost:${port}/logo.jpg`, limits)).rejects.toMatchObject({
      message: "imageUrl must point at a public address",
    });
  });

  it.each(["ftp://example.com/a.jpg", "file:///etc/passwd", "http://user:pw@example.com/a.jpg", "not a url"])(
    "refuses %s before connecting",
    async (url) => {
      await expect(fetchImage(url, limits)).rejects.toMatchObject({ details: { field: "imageUrl" } });
    },
  );
});
