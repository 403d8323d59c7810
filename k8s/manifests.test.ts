import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../service/config.js';
import { ENDPOINTS } from '../service/http/endpoints/index.js';

/**
 * The Kubernetes manifests and the Dockerfile, checked against each other and against the
 * service's own configuration: ports, variable names, probe paths, secret names, users.
 */

const root = path.dirname(fileURLToPath(import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

async function load(file: string): Promise<Doc[]> {
  return parseAllDocuments(await fs.readFile(path.join(root, file), 'utf8')).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return doc.toJS();
  });
}

const kustomization = (await load('kustomization.yaml'))[0];
const docs: Doc[] = (await Promise.all((kustomization.resources as string[]).map(load))).flat();
const secrets: Doc[] = await load('secrets.example.yaml');
const dockerfile = await fs.readFile(path.join(root, '..', 'Dockerfile'), 'utf8');
const find = (kind: string, name: string): Doc => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  expect(doc, `${kind}/${name}`).toBeDefined();
  return doc;
};

const deployment = find('Deployment', 'visage');
const container = deployment.spec.template.spec.containers[0];
const configMap = find('ConfigMap', 'visage-config');

describe('kubernetes manifests', () => {
  it('name only files that exist, each a well-formed object in the one namespace', () => {
    expect(kustomization.namespace).toBe('visage');
    for (const doc of docs) expect(doc.apiVersion && doc.kind && doc.metadata?.name).toBeTruthy();
  });

  it('set only variables the service reads, with values it accepts', () => {
    const secretKeys = Object.keys(secrets.find((s) => s.metadata.name === 'visage-secrets').stringData);
    for (const name of [...Object.keys(configMap.data), ...secretKeys]) expect(CONFIG_VARIABLES, name).toContain(name);
    const stringData = secrets.find((s) => s.metadata.name === 'visage-secrets').stringData;
    expect(() => loadConfig({ ...configMap.data, ...stringData })).not.toThrow();
  });

  it('agree on the port: ConfigMap PORT, container port, Service target, Dockerfile EXPOSE', () => {
    const port = Number(configMap.data.PORT);
    const http = container.ports.find((p: Doc) => p.name === 'http');
    expect(http.containerPort).toBe(port);
    const service = find('Service', 'visage');
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
  });

  it('probe paths the service serves: readiness /readyz, liveness /healthz', () => {
    const paths = ENDPOINTS.filter((endpoint) => endpoint.roles === 'public').map((endpoint) => endpoint.path);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(paths).toContain(probe.httpGet.path);
      expect(probe.httpGet.port).toBe('http');
    }
    expect(container.lifecycle.preStop).toBeDefined();
    expect(container.resources.requests.memory && container.resources.limits.memory).toBeTruthy();
  });

  it('reference only secrets the example defines, and envFrom the ConfigMap', () => {
    const defined = new Set(secrets.map((s) => s.metadata.name));
    const referenced = JSON.stringify(docs).match(/"secretKeyRef":\{"name":"[^"]+","key":"[^"]+"\}|"secretRef":\{"name":"[^"]+"\}/g) ?? [];
    for (const ref of referenced) {
      const [, name, key] = /"name":"([^"]+)"(?:,"key":"([^"]+)")?/.exec(ref)!;
      expect(defined, ref).toContain(name);
      if (key) expect(Object.keys(secrets.find((s) => s.metadata.name === name).stringData)).toContain(key);
    }
    expect(container.envFrom).toContainEqual({ configMapRef: { name: 'visage-config' } });
  });

  it('point the service at the MinIO and PostgreSQL Services the manifests run', () => {
    const minio = find('Service', 'visage-minio');
    const endpoint = new URL(configMap.data.S3_ENDPOINT);
    expect(endpoint.hostname).toBe('visage-minio');
    expect(Number(endpoint.port)).toBe(minio.spec.ports[0].port);
    find('StatefulSet', 'visage-minio');
    const postgres = find('Service', 'visage-postgres');
    const databaseUrl = new URL(secrets.find((s) => s.metadata.name === 'visage-secrets').stringData.DATABASE_URL);
    expect(databaseUrl.hostname).toBe('visage-postgres');
    expect(Number(databaseUrl.port)).toBe(postgres.spec.ports[0].port);
    // An external database needs a master key: the service refuses to start without one.
    expect(Object.keys(secrets.find((s) => s.metadata.name === 'visage-secrets').stringData)).toContain('VISAGE_MASTER_KEY');
  });

  it('scale the Deployment with at least two replicas, guarded by a disruption budget', () => {
    const hpa = find('HorizontalPodAutoscaler', 'visage');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'visage' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(find('PodDisruptionBudget', 'visage').spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('run as the non-root user the image declares, with its HEALTHCHECK on /healthz', () => {
    const user = Number(/^USER (\d+)$/m.exec(dockerfile)?.[1]);
    expect(user).toBeGreaterThan(0);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: user });
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(dockerfile).toMatch(/tfjs-node/);
  });
});
