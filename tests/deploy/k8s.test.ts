/**
 * The Kubernetes manifests (deploy/k8s): every document that kustomization.yaml lists is validated against
 * Kubernetes' OpenAPI schemas (npm `kubernetes-models`: ajv validators generated from them; like kubeconform
 * without --strict, it does not reject unknown fields, so the fields that matter are asserted by value below),
 * and Vigil's pod matches the image and what the container test measured: its non-root user, a read-only
 * root, the memory limit the 30-user load ran under, readiness on /readyz.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { YAML } from "bun";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { Service } from "kubernetes-models/v1/Service";

const folder = new URL("../../deploy/k8s/", import.meta.url).pathname;
const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1 Deployment": Deployment,
  "v1 Service": Service,
  "autoscaling/v2 HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1 Ingress": Ingress,
};

/** A manifest: untyped YAML. */
type Manifest = any;

function documents(file: string): Manifest[] {
  const text = readFileSync(folder + file, "utf8");
  return text
    .split(/^---$/m)
    .filter((part) => part.replace(/#.*$/gm, "").trim())
    .map((part) => YAML.parse(part));
}

function validate(doc: Manifest) {
  const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

const kustomization = documents("kustomization.yaml")[0];
const all = (kustomization.resources as string[]).flatMap((file) => documents(file).map((doc) => ({ file, doc })));

describe("deploy/k8s", () => {
  test("every listed document is valid against Kubernetes' schemas", () => {
    expect(all.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`).sort()).toEqual([
      "Deployment/vigil",
      "Deployment/vigil-redis",
      "HorizontalPodAutoscaler/vigil",
      "Ingress/vigil",
      "Service/vigil",
      "Service/vigil-redis",
    ]);
    for (const { file, doc } of all) expect(() => validate(doc), file).not.toThrow();
  });

  test("the validator refuses a broken document", () => {
    const broken = structuredClone(all.find(({ doc }) => doc.kind === "Deployment")!.doc);
    broken.spec.template.spec.containers[0].securityContext.runAsUser = "nobody";
    expect(() => validate(broken)).toThrow(/runAsUser must be integer/);
    delete broken.spec.selector;
    expect(() => validate(broken)).toThrow(/selector/);
  });

  test("Vigil's pod: the image's user, read-only root, measured memory, readiness on /readyz", () => {
    const deployment = all.find(({ doc }) => doc.kind === "Deployment" && doc.metadata.name === "vigil")!.doc;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(`vigil:${version}`);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532, // the image's vigil user (deploy/image/build-root.sh)
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.volumes).toBeUndefined(); // it needs no writable path, not even /tmp
    // tests/deploy/container.test.ts runs 30 users within 512 MiB (peak about 340 MiB).
    expect(container.resources.limits.memory).toBe("512Mi");
    expect(container.resources.requests.memory).toBe("384Mi");
    const env = Object.fromEntries(
      container.env.filter((e: Manifest) => "value" in e).map((e: Manifest) => [e.name, e.value]),
    );
    expect(Number(env.VIGIL_WORKERS)).toBeLessThanOrEqual(Number(container.resources.limits.cpu));
    expect(env.VIGIL_LOG_FORMAT).toBe("json");
    // SIGTERM drains within VIGIL_SHUTDOWN_GRACE_MS; Kubernetes must wait longer before SIGKILL.
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.VIGIL_SHUTDOWN_GRACE_MS));
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.ports).toContainEqual({ name: "http", containerPort: Number(env.VIGIL_PORT) });
  });
});
