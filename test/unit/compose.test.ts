/**
 * The Compose stack (stack/compose), checked statically (no Docker engine needed): the file is
 * valid against the Compose specification's JSON schema, its images and the Airflow Dockerfile
 * are pinned to the versions the native stack runs (stack/versions.env), every published port
 * is bound to 127.0.0.1, every long-running service has a healthcheck, every dependency waits
 * on a condition, and every variable it uses is documented in .env.example.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const composeDir = join(root, 'stack', 'compose');

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface LongPort {
  host_ip?: string;
  published?: string | number;
  target?: number;
}
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  ports?: (string | number | LongPort)[];
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  profiles?: string[];
  volumes?: (string | { type?: string; source?: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  command?: string | string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function readVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of readFileSync(join(root, 'stack', 'versions.env'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) versions[match[1]] = match[2];
  }
  return versions;
}

function loadCompose(): { compose: ComposeFile; text: string } {
  const text = readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8');
  // Compose resolves YAML merge keys (<<: *anchor); so must we before validating.
  const doc = parseDocument(text, { merge: true });
  assert.deepEqual(doc.errors.map((e) => e.message), [], 'docker-compose.yml must be valid YAML');
  assert.deepEqual(doc.warnings.map((e) => e.message), [], 'docker-compose.yml parses without warnings');
  return { compose: doc.toJS({ maxAliasCount: 100 }) as ComposeFile, text };
}

const versions = readVersions();
const { compose, text: composeText } = loadCompose();
const services = Object.entries(compose.services);
const dockerfile = readFileSync(join(composeDir, 'Dockerfile'), 'utf8');

/** Services that only run once: restart "no" and some service waits for them to complete. */
function oneShots(): Set<string> {
  const awaited = new Set<string>();
  for (const [, svc] of services) {
    if (svc.depends_on && !Array.isArray(svc.depends_on)) {
      for (const [name, dep] of Object.entries(svc.depends_on)) {
        if (dep.condition === 'service_completed_successfully') awaited.add(name);
      }
    }
  }
  return new Set(services.filter(([name, svc]) => svc.restart === 'no' && awaited.has(name)).map(([name]) => name));
}

function environmentOf(svc: Service): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(svc.environment)) {
    for (const entry of svc.environment) {
      const [key, ...rest] = entry.split('=');
      if (key) env[key] = rest.join('=');
    }
  } else {
    for (const [key, value] of Object.entries(svc.environment ?? {})) env[key] = String(value);
  }
  return env;
}

describe('stack/compose/docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
    // The spec names its draft-07 meta-schema by an https URL Ajv does not register; it is
    // draft-07, which Ajv validates by default. The spec also uses the 2019-09 "deprecated" keyword.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    assert.ok(valid, ajv.errorsText(validate.errors, { dataVar: 'compose', separator: '\n' }));
  });

  it('rejects a file the specification does not allow (the check can fail)', () => {
    const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    const validate = new Ajv({ strict: false }).compile(schema);
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    const kafka = broken.services.kafka;
    assert.ok(kafka);
    kafka.healthcheck = { interval: 10 }; // a number where the spec wants a duration string
    kafka.unknown_option = true;
    assert.equal(validate(broken), false);
  });

  it('pins Kafka and PostgreSQL to the versions of stack/versions.env', () => {
    assert.ok(versions.KAFKA_VERSION && versions.POSTGRES_MAJOR, 'versions.env defines KAFKA_VERSION and POSTGRES_MAJOR');
    assert.equal(compose.services.kafka?.image, `apache/kafka:${versions.KAFKA_VERSION}`);
    assert.equal(compose.services['kafka-init']?.image, `apache/kafka:${versions.KAFKA_VERSION}`);
    assert.equal(compose.services.postgres?.image, `postgres:${versions.POSTGRES_MAJOR}`);
  });

  it('builds every Airflow service from the Dockerfile, tagged with the pinned Airflow version', () => {
    const airflow = services.filter(([name]) => name.startsWith('airflow-'));
    assert.deepEqual(
      airflow.map(([name]) => name).sort(),
      ['airflow-apiserver', 'airflow-dag-processor', 'airflow-init', 'airflow-scheduler', 'airflow-triggerer'],
    );
    for (const [name, svc] of airflow) {
      assert.equal(svc.image, `kafka-airflow-workbench/airflow:${versions.AIRFLOW3_VERSION}`, name);
      assert.equal(svc.build?.dockerfile, 'Dockerfile', name);
    }
  });

  it('pins every image to an explicit version (no latest, no untagged)', () => {
    for (const [name, svc] of services) {
      assert.ok(svc.image, `${name} has an image`);
      const tag = /:([^/:]+)$/.exec(svc.image)?.[1];
      assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `${name}: image ${svc.image} is not pinned to a version`);
    }
  });

  it('binds every published port to 127.0.0.1', () => {
    let published = 0;
    for (const [name, svc] of services) {
      for (const port of svc.ports ?? []) {
        published += 1;
        if (typeof port === 'object') {
          assert.equal(port.host_ip, '127.0.0.1', `${name}: ${JSON.stringify(port)}`);
        } else {
          // With the defaults of ${VAR:-default} substituted, as Compose does without a .env.
          const resolved = String(port).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
          assert.match(resolved, /^127\.0\.0\.1:\d+:\d+(\/(tcp|udp))?$/, `${name}: port "${String(port)}"`);
        }
      }
    }
    assert.ok(published >= 3, 'Kafka, PostgreSQL and the Airflow API are published');
  });

  it('gives every long-running service a healthcheck; one-shot init services are awaited', () => {
    const once = oneShots();
    assert.deepEqual([...once].sort(), ['airflow-init', 'kafka-init']);
    for (const [name, svc] of services) {
      if (once.has(name)) continue;
      assert.ok(svc.healthcheck?.test && !svc.healthcheck.disable, `${name} has no healthcheck`);
    }
  });

  it('makes every dependency wait on a condition, and only on services that report one', () => {
    const once = oneShots();
    for (const [name, svc] of services) {
      if (!svc.depends_on) continue;
      assert.ok(!Array.isArray(svc.depends_on), `${name}: depends_on must use the long form with conditions`);
      for (const [dep, spec] of Object.entries(svc.depends_on)) {
        assert.ok(compose.services[dep], `${name} depends on unknown service ${dep}`);
        const expected = once.has(dep) ? 'service_completed_successfully' : 'service_healthy';
        assert.equal(spec.condition, expected, `${name} -> ${dep}`);
      }
    }
  });

  it('keeps data in named volumes and mounts the pipeline from ../dags, ../plugins, ../sql', () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, svc] of services) {
      for (const volume of svc.volumes ?? []) {
        // With the default of ${VAR:-default} substituted, as Compose does when VAR is not set.
        const written = typeof volume === 'string' ? volume.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1') : volume.source ?? '';
        const source = typeof volume === 'string' ? written.split(':')[0] ?? '' : written;
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(join(composeDir, source)), `${name}: bind mount ${source} does not exist`);
        } else {
          assert.ok(named.has(source), `${name}: volume ${source} is not a named volume`);
        }
      }
    }
    const scheduler = (compose.services['airflow-scheduler']?.volumes ?? []).map(String);
    for (const dir of ['dags', 'plugins', 'sql']) {
      assert.ok(scheduler.some((v) => v.startsWith(`../${dir}:/opt/airflow/${dir}`)), `../${dir} is mounted`);
    }
    assert.ok(named.has('kafka-data') && named.has('postgres-data'));
  });

  it('shares one JWT secret and defines the pipeline connections for every Airflow service', () => {
    const secrets = new Set<string>();
    for (const [name, svc] of services.filter(([n]) => n.startsWith('airflow-'))) {
      const env = environmentOf(svc);
      assert.ok(env.AIRFLOW__API_AUTH__JWT_SECRET, `${name} has the JWT secret`);
      secrets.add(env.AIRFLOW__API_AUTH__JWT_SECRET);
      for (const conn of ['AIRFLOW_CONN_KAFKA_DEFAULT', 'AIRFLOW_CONN_KAFKA_COMMANDS', 'AIRFLOW_CONN_WORKBENCH_HISTORY']) {
        assert.ok(env[conn], `${name} defines ${conn}`);
        // JSON once Compose substituted the variables.
        const json = env[conn].replace(/\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}/g, 'x');
        assert.doesNotThrow(() => JSON.parse(json), `${name}: ${conn} is not JSON`);
      }
    }
    assert.deepEqual([...secrets], ['${AIRFLOW_JWT_SECRET:?set AIRFLOW_JWT_SECRET in .env}']);
  });

  it('runs the daily pipeline\'s source API, object store and mail catcher at the native versions', () => {
    assert.ok(versions.SEAWEEDFS_VERSION && versions.MAILPIT_VERSION, 'versions.env defines SEAWEEDFS_VERSION and MAILPIT_VERSION');
    assert.equal(compose.services.seaweedfs?.image, `chrislusf/seaweedfs:${versions.SEAWEEDFS_VERSION}`);
    assert.equal(compose.services.mailpit?.image, `axllent/mailpit:${versions.MAILPIT_VERSION}`);
    const sourceApi = compose.services['source-api'];
    const seaweedfs = compose.services.seaweedfs;
    assert.ok(sourceApi && seaweedfs, 'the services source-api and seaweedfs exist');
    assert.equal(sourceApi.image, `kafka-airflow-workbench/airflow:${versions.AIRFLOW3_VERSION}`, 'the source API runs on the Airflow image (FastAPI, uvicorn)');
    assert.ok((sourceApi.volumes ?? []).map(String).some((v) => v.startsWith('../source_api:')), 'the source API mounts ../source_api');
    // The object store creates the bucket the DAG writes to.
    assert.match(JSON.stringify(seaweedfs.command), /s3\.bucket\.create -name workbench/);
    for (const [name, svc] of services.filter(([n]) => n.startsWith('airflow-') && n !== 'airflow-init')) {
      const env = environmentOf(svc);
      const json = (conn: string): { host?: string; port?: number; extra?: { endpoint_url?: string } } =>
        JSON.parse((env[conn] ?? '').replace(/\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}/g, 'x')) as { host?: string; port?: number; extra?: { endpoint_url?: string } };
      assert.equal(json('AIRFLOW_CONN_WORKBENCH_S3').extra?.endpoint_url, 'http://seaweedfs:8333', `${name}: workbench_s3`);
      const smtp = json('AIRFLOW_CONN_WORKBENCH_SMTP');
      assert.deepEqual([smtp.host, smtp.port], ['mailpit', 1025], `${name}: workbench_smtp`);
      assert.equal(env.KAW_SOURCE_API_URL, 'http://source-api:8090', `${name}: source API`);
      const deps = svc.depends_on && !Array.isArray(svc.depends_on) ? Object.keys(svc.depends_on) : [];
      for (const dep of ['source-api', 'seaweedfs', 'mailpit']) assert.ok(deps.includes(dep), `${name} waits for ${dep}`);
    }
  });

  it('offers the schema-registry and kafka-ui profiles', () => {
    assert.deepEqual(compose.services['schema-registry']?.profiles, ['schema-registry']);
    assert.deepEqual(compose.services['kafka-ui']?.profiles, ['kafka-ui']);
  });

  it('offers a three-broker KRaft cluster as the cluster profile, on the same Kafka image', () => {
    const nodes = services.filter(([, svc]) => svc.profiles?.includes('cluster'));
    assert.deepEqual(nodes.map(([name]) => name), ['kafka-cluster-1', 'kafka-cluster-2', 'kafka-cluster-3']);
    const hostPorts = new Set<string>();
    const voters = new Set<string>();
    const volumes = new Set<string>();
    const clusterIds = new Set<string>();
    for (const [index, [name, svc]] of nodes.entries()) {
      const id = String(index + 1);
      assert.deepEqual(svc.profiles, ['cluster'], `${name} runs only with --profile cluster`);
      assert.equal(svc.image, compose.services.kafka?.image, `${name} runs the single broker's image`);
      const env = environmentOf(svc);
      assert.equal(env.KAFKA_NODE_ID, id, `${name} is node ${id}`);
      assert.equal(env.KAFKA_PROCESS_ROLES, 'broker,controller', name);
      voters.add(env.KAFKA_CONTROLLER_QUORUM_VOTERS ?? '');
      assert.equal(env.KAFKA_DEFAULT_REPLICATION_FACTOR, '3', name);
      assert.equal(env.KAFKA_MIN_INSYNC_REPLICAS, '2', name);
      assert.equal(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '3', name);
      assert.ok(env.CLUSTER_ID, `${name} has a cluster id`);
      clusterIds.add(env.CLUSTER_ID);
      // The broker advertises to the host the port Compose publishes for it.
      const [first] = svc.ports ?? [];
      const port = typeof first === 'string' ? first : JSON.stringify(first);
      const published = /^127\.0\.0\.1:(\$\{[A-Z0-9_]+:-\d+\}):9092$/.exec(port)?.[1];
      assert.ok(published, `${name} publishes its client port on 127.0.0.1: ${port}`);
      assert.ok(env.KAFKA_ADVERTISED_LISTENERS?.endsWith(`HOST://localhost:${published}`), `${name} advertises ${published}: ${env.KAFKA_ADVERTISED_LISTENERS ?? ''}`);
      hostPorts.add(published);
      for (const v of svc.volumes ?? []) volumes.add(typeof v === 'string' ? v.split(':')[0] ?? '' : v.source ?? '');
      assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
    }
    assert.equal(hostPorts.size, 3, 'each broker has its own host port');
    assert.equal(volumes.size, 3, 'each broker has its own data volume');
    assert.equal(clusterIds.size, 1, 'the three nodes format one cluster');
    assert.deepEqual([...voters], ['1@kafka-cluster-1:9093,2@kafka-cluster-2:9093,3@kafka-cluster-3:9093'], 'one three-voter quorum');
    for (const [name, svc] of services) {
      const deps = svc.depends_on && !Array.isArray(svc.depends_on) ? Object.keys(svc.depends_on) : [];
      assert.ok(!deps.some((d) => d.startsWith('kafka-cluster-')), `${name} must not need the optional cluster`);
    }
  });

  it('documents every variable it uses in .env.example', () => {
    const documented = new Set(
      readFileSync(join(composeDir, '.env.example'), 'utf8')
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
        .filter((name): name is string => Boolean(name)),
    );
    const used = new Set([...composeText.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1] ?? ''));
    assert.ok(used.size > 5);
    for (const name of used) assert.ok(documented.has(name), `${name} is used but not in .env.example`);
  });
});

describe('stack/compose/Dockerfile', () => {
  it('starts from the official Airflow image of the pinned Airflow and Python versions', () => {
    const from = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1];
    assert.equal(from, `apache/airflow:${versions.AIRFLOW3_VERSION}-python${versions.PYTHON_VERSION}`);
  });

  it('installs the providers at the versions the native stack runs', () => {
    const pins = new Map([...dockerfile.matchAll(/"([a-z0-9.-]+)(?:\[[a-z,]+\])?==([^"]+)"/g)].map((m) => [m[1], m[2]]));
    assert.equal(pins.get('apache-airflow'), versions.AIRFLOW3_VERSION);
    assert.equal(pins.get('apache-airflow-providers-apache-kafka'), versions.AIRFLOW3_PROVIDER_APACHE_KAFKA_VERSION);
    assert.equal(pins.get('apache-airflow-providers-postgres'), versions.AIRFLOW3_PROVIDER_POSTGRES_VERSION);
    assert.equal(pins.get('apache-airflow-providers-common-messaging'), versions.AIRFLOW3_PROVIDER_COMMON_MESSAGING_VERSION);
    assert.equal(pins.get('apache-airflow-providers-amazon'), versions.AIRFLOW3_PROVIDER_AMAZON_VERSION);
    // The history code uses psycopg 3: the same version as the native venv's lock file.
    const lock = readFileSync(join(root, 'stack', 'native', 'requirements-airflow3.lock.txt'), 'utf8');
    const locked = /^psycopg==(\S+)/m.exec(lock)?.[1];
    assert.ok(locked, 'the native lock file pins psycopg');
    assert.equal(pins.get('psycopg'), locked);
    // The daily pipeline's SMTP provider and pyarrow: the native lock file's versions.
    for (const pkg of ['apache-airflow-providers-smtp', 'pyarrow']) {
      const pinned = new RegExp(`^${pkg}==(\\S+)`, 'm').exec(lock)?.[1];
      assert.ok(pinned, `the native lock file pins ${pkg}`);
      assert.equal(pins.get(pkg), pinned, pkg);
    }
  });
});
