/**
 * Where the bundled stack listens and the credentials it is created with. The native stack
 * (stack/native) and the Compose stack (stack/compose) both publish these on 127.0.0.1, so
 * "Connect to Local Stack" can configure all three connections in one step. The passwords
 * are the stack's documented defaults for a local, loopback-only setup; the extension still
 * stores them in SecretStorage like any other credential.
 */
import type { AirflowConnection, HistoryConnection, KafkaConnection } from '../shared/connections';

export const LOCAL_STACK_NAME = 'Local stack';

export const localStack = {
  kafka: {
    name: LOCAL_STACK_NAME,
    brokers: ['127.0.0.1:9092'],
    ssl: false,
    saslMechanism: 'none',
    // The stack's own schema registry (stack/native, KAW_SCHEMA_REGISTRY_PORT; the Compose profile publishes it there too).
    schemaRegistry: { url: 'http://127.0.0.1:8085', auth: 'none' },
  } satisfies KafkaConnection,
  airflow: {
    name: LOCAL_STACK_NAME,
    url: 'http://127.0.0.1:8080',
    auth: 'password',
    username: 'admin',
  } satisfies AirflowConnection,
  airflowPassword: 'admin',
  history: {
    host: '127.0.0.1',
    port: 5432,
    database: 'workbench',
    user: 'workbench',
    ssl: false,
  } satisfies HistoryConnection,
  historyPassword: 'workbench',
} as const;

/**
 * Whether an Airflow connection's URL is the bundled stack's Airflow 3 (loopback, its port): the
 * server `airflow dags test` in the stack's venv writes its runs to.
 */
export function isLocalStackAirflow(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // not a URL: not the stack's
  }
  const stack = new URL(localStack.airflow.url);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname) && parsed.port === stack.port && parsed.protocol === stack.protocol;
}
