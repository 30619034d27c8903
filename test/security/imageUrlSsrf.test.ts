import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import sharp from "sharp";
import { fetchImage } from "../../src/serving/imageUrlFetch";
import { startTestServer, type TestServer } from "../support/testServer";

const CLASSIFY = `mutation($input: ClassifyImageInput!) {
  classifyImage(input: $input) { __typename ... on Classification { label } }
}`;

/** A real image server on every loopback address (IPv4 and IPv6), counting the requests it gets. */
interface ImageHost {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function startImageHost(redirectTo?: (path: string) => string | undefined): Promise<ImageHost> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#c00" } })
    .png()
    .toBuffer();
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.socket.localAddress} ${req.url}`);
    const location = redirectTo?.(req.url ?? "/");
    if (location) {
      res.writeHead(302, { location });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "image/png" });
    res.end(png);
  });
  // "::" without ipv6Only takes IPv4 too: 127.0.0.1, 127.0.0.2, ::1 and ::ffff:127.0.0.1 all reach it.
  await new Promise<void>((resolve) => server.listen(0, "::", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let server: TestServer;
let host: ImageHost;
beforeAll(async () => {
  host = await startImageHost();
  server = await startTestServer({
    LOGOLAB_IMAGE_URL_ENABLED: "true",
    LOGOLAB_IMAGE_URL_TIMEOUT_MS: "2000",
    LOGOLAB_CLASSIFY_RATE: "1000",
    LOGOLAB_CLASSIFY_BURST: "1000",
  });
});
afterAll(async () => {
  await server?.stop();
  await host?.close();
});

/** Addresses inside: loopback, private, link-local and metadata, in the spellings attackers use. */
function insideUrls(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/logo.png`,
    `http://127.1:${port}/logo.png`,
    `http://2130706433:${port}/logo.png`,
    `http://0x7f000001:${port}/logo.png`,
    `http://0177.0.0.1:${port}/logo.png`,
    `http://0.0.0.0:${port}/logo.png`,
    `http://[::1]:${port}/logo.png`,
    `http://[::]:${port}/logo.png`,
    `http://[::ffff:127.0.0.1]:${port}/logo.png`,
    `http://[0:0:0:0:0:ffff:7f00:1]:${port}/logo.png`,
    `http://[::127.0.0.1]:${port}/logo.png`,
    `http://localhost:${port}/logo.png`,
    `http://${os.hostname()}:${port}/logo.png`,
    "http://10.0.0.1/logo.png",
    "http://10.255.255.254:8080/logo.png",
    "http://172.16.0.1/logo.png",
    "http://192.168.1.1/logo.png",
    "http://100.100.100.200/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "http://[2002:a9fe:a9fe::1]/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/logo.png",
  ];
}

describe("imageUrl (enabled) never reaches inside", () => {
  it.each(insideUrls(0).map((url, i) => [url, i]))("refuses %s", async (_shown, index) => {
    const url = insideUrls(host.port)[index as number];
    const res = await server.gql(CLASSIFY, { input: { imageUrl: url } }, server.keys.service);
    expect(res.errors?.[0]).toMatchObject({
      message: "imageUrl must point at a public address",
      extensions: { code: "BAD_USER_INPUT", field: "imageUrl" },
    });
  });

  it.each([
    ["file:///etc/passwd", "imageUrl must use http or https"],
    ["gopher://127.0.0.1:25/", "imageUrl must use http or https"],
    ["ftp://10.0.0.1/logo.png", "imageUrl must use http or https"],
    ["http://user:secret@127.0.0.1/", "imageUrl must not carry credentials"],
  ])("refuses %s before connecting", async (url, message) => {
    const res = await server.gql(CLASSIFY, { input: { imageUrl: url } }, server.keys.service);
    expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT" } });
  });

  it("sent the image host not a single request", () => {
    expect(host.hits).toEqual([]);
  });
});

describe("redirects are checked again at every hop", () => {
  // The internet cannot be reached from here: 127.0.0.2 plays the public site, every other
  // address keeps the real policy. The site redirects to each inside address in turn.
  const stand = (address: string) => address === "127.0.0.2" || address === "::ffff:127.0.0.2";
  let site: ImageHost;
  let inside: ImageHost;
  beforeAll(async () => {
    inside = await startImageHost();
    site = await startImageHost((path) => {
      const match = /^\/to\/(\d+)$/.exec(path);
      if (match) return insideUrls(inside.port)[Number(match[1])];
      if (path === "/to-self") return `http://127.0.0.2:${site.port}/logo.png`;
      return undefined;
    });
  });
  afterAll(async () => {
    await site?.close();
    await inside?.close();
  });

  it("follows a redirect that stays public (the stand-in works)", async () => {
    const body = await fetchImage(`http://127.0.0.2:${site.port}/to-self`, {
      maxBytes: 1 << 20,
      timeoutMs: 2000,
      isAllowedAddress: stand,
    });
    expect(body.subarray(1, 4).toString()).toBe("PNG");
  });

  it("refuses a redirect to every inside address, and the inside host is never asked", async () => {
    const urls = insideUrls(inside.port);
    for (let i = 0; i < urls.length; i++) {
      await expect(
        fetchImage(`http://127.0.0.2:${site.port}/to/${i}`, {
          maxBytes: 1 << 20,
          timeoutMs: 2000,
          isAllowedAddress: stand,
        }),
      ).rejects.toMatchObject({
        message: "imageUrl must point at a public address",
        details: { field: "imageUrl" },
      });
    }
    expect(site.hits.filter((hit) => hit.includes(" /to/"))).toHaveLength(urls.length);
    expect(inside.hits).toEqual([]);
  });
});
