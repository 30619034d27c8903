import { parse } from "yaml";
import { loadConfig } from "../../src/config";
import { configVariables, readmeConfigurationVariables, readRepoFile } from "./deploymentFiles";

interface Service {
  image?: string;
  build?: string | { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  deploy?: { resources: { reservations: { devices: { driver: string; capabilities: string[] }[] } } };
}

const compose = parse(readRepoFile("docker-compose.yml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const LOGOLAB_SERVICES = ["api", "worker", "worker-gpu"];
const env = (name: string) => services[name].environment ?? {};

describe("the README's configuration table", () => {
  it("lists exactly the variables src/config.ts reads", () => {
    expect(readmeConfigurationVariables()).toEqual(configVariables());
    expect(configVariables()).toContain("LOGOLAB_METRICS_PORT");
  });
});

describe("docker-compose.yml", () => {
  it("has postgres, the api, a CPU worker and a GPU worker behind the gpu profile", () => {
    expect(Object.keys(services).sort()).toEqual(["api", "postgres", "worker", "worker-gpu"]);
    expect(services.api.command).toEqual(["serve"]);
    expect(services.worker.command).toEqual(["worker"]);
    expect(services["worker-gpu"].command).toEqual(["worker"]);
    expect(services["worker-gpu"].profiles).toEqual(["gpu"]);
    expect(services.worker.profiles).toBeUndefined();
  });

  it("sets only variables src/config.ts reads, with values it accepts", () => {
    const known = configVariables();
    for (const name of LOGOLAB_SERVICES) {
      for (const key of Object.keys(env(name)))
        expect({ service: name, key, known: known.includes(key) }).toEqual({
          service: name,
          key,
          known: true,
        });
      expect(() => loadConfig(env(name), "/app")).not.toThrow();
    }
  });

  it("runs no training in the api and serves it on the published port", () => {
    const config = loadConfig(env("api"), "/app");
    expect(config.workers).toBe(0);
    expect(config.host).toBe("0.0.0.0");
    expect(services.api.ports).toEqual([`${config.port}:${config.port}`]);
  });

  it("gives each worker a metrics port reachable from the network, and publishes none", () => {
    for (const name of ["worker", "worker-gpu"]) {
      const config = loadConfig(env(name), "/app");
      expect(config.metricsPort).toBeDefined();
      expect(config.host).toBe("0.0.0.0");
      expect(services[name].expose).toEqual([String(config.metricsPort)]);
      expect(services[name].ports).toBeUndefined();
    }
  });

  it("points every LogoLab process at the postgres service with its own credentials", () => {
    const pg = env("postgres");
    for (const name of LOGOLAB_SERVICES) {
      const url = new URL(loadConfig(env(name), "/app").databaseUrl!);
      expect({
        name,
        host: url.hostname,
        port: url.port,
        user: url.username,
        password: url.password,
        db: url.pathname,
      }).toEqual({
        name,
        host: "postgres",
        port: "5432",
        user: pg.POSTGRES_USER,
        password: pg.POSTGRES_PASSWORD,
        db: `/${pg.POSTGRES_DB}`,
      });
      expect(services[name].depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    }
    expect(services.postgres.healthcheck!.test.join(" ")).toContain("pg_isready");
  });

  it("keeps the database on its own volume and shares one artifacts volume at LOGOLAB_HOME everywhere", () => {
    expect(services.postgres.volumes).toEqual(["pgdata:/var/lib/postgresql/data"]);
    const homes = LOGOLAB_SERVICES.map((name) => loadConfig(env(name), "/app").home);
    expect(new Set(homes).size).toBe(1);
    for (const name of LOGOLAB_SERVICES) expect(services[name].volumes).toEqual([`artifacts:${homes[0]}`]);
    // Checkpoint and dataset paths stored in the database resolve the same in every container.
    const config = loadConfig(env("worker"), "/app");
    for (const dir of [config.artifactsDir, config.datasetsDir])
      expect(dir.startsWith(`${homes[0]}/`)).toBe(true);
    expect(Object.keys(compose.volumes).sort()).toEqual(["artifacts", "pgdata"]);
  });

  it("builds the GPU worker on CUDA with tfjs-node-gpu and reserves an NVIDIA GPU", () => {
    const gpu = services["worker-gpu"];
    const build = gpu.build as { context: string; args: Record<string, string> };
    expect(build.args.BASE).toMatch(/^nvidia\/cuda:/);
    expect(build.args.TFJS).toBe("@tensorflow/tfjs-node-gpu");
    const packageJson = JSON.parse(readRepoFile("package.json"));
    expect(packageJson.optionalDependencies).toHaveProperty("@tensorflow/tfjs-node-gpu");
    expect(loadConfig(env("worker-gpu"), "/app").mlBackend).toBe("tensorflow-gpu");
    const [device] = gpu.deploy!.resources.reservations.devices;
    expect(device).toMatchObject({ driver: "nvidia", capabilities: ["gpu"] });
  });

  it("gives every LogoLab process more time to stop than its own shutdown budget", () => {
    for (const name of LOGOLAB_SERVICES) {
      const graceSeconds = Number(/^(\d+)s$/.exec(services[name].stop_grace_period!)![1]);
      expect(graceSeconds * 1000).toBeGreaterThan(loadConfig(env(name), "/app").shutdownTimeoutMs);
    }
  });
});
