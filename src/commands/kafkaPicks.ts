/**
 * The Kafka pickers commands share: which connection to act on and which of its topics. Apart
 * from src/commands/kafka.ts so that the template commands can use them without importing the
 * module that imports them.
 */
import * as vscode from 'vscode';
import type { KafkaConnections } from '../config/kafkaConnections';
import type { TopicSummary } from '../kafka/types';
import type { KafkaConnection } from '../shared/connections';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { plural } from '../kafka/presentation';
import { CommandId } from '../shared/commandIds';

/** The connection to act on: the row's, the only one, or the one the user picks. */
export async function pickConnection(connections: KafkaConnections, preferred?: string): Promise<KafkaConnection> {
  const all = connections.list().value;
  if (preferred) {
    const found = all.find((c) => c.name === preferred);
    if (found) return found;
  }
  if (all.length === 0) {
    throw new WorkbenchError('No Kafka connection is configured. Connect to the local stack or add a connection first.', {
      actions: [
        { title: 'Connect to Local Stack', command: CommandId.connectLocalStack },
        { title: 'Add Kafka Connection', command: CommandId.addKafkaConnection },
      ],
    });
  }
  const [first] = all;
  if (all.length === 1 && first) return first;
  const picked = await vscode.window.showQuickPick(
    all.map((c) => ({ label: c.name, description: c.brokers.join(', '), connection: c })),
    { placeHolder: 'Which Kafka cluster?', ignoreFocusOut: true },
  );
  if (!picked) throw new CancelledError();
  return picked.connection;
}

/** Lets the user pick one of the cluster's topics (loaded with a busy indicator). */
export async function pickTopic(connections: KafkaConnections, connection: string, placeHolder: string): Promise<TopicSummary> {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { topic?: TopicSummary }>();
  quickPick.placeholder = placeHolder;
  quickPick.title = `Topics of ${connection}`;
  quickPick.busy = true;
  quickPick.ignoreFocusOut = true;
  quickPick.matchOnDescription = true;
  quickPick.show();
  try {
    const topics = connections.service(connection).then((s) => s.listTopics());
    const chosen = new Promise<TopicSummary>((resolve, reject) => {
      quickPick.onDidAccept(() => {
        const [item] = quickPick.selectedItems;
        if (item?.topic) resolve(item.topic);
      });
      quickPick.onDidHide(() => { reject(new CancelledError()); });
      topics.then((list) => {
        quickPick.busy = false;
        const visible = list.filter((t) => !t.internal);
        quickPick.items = visible.length > 0
          ? visible.map((topic) => ({ label: topic.name, description: plural(topic.partitions, 'partition'), topic }))
          : [{ label: 'This cluster has no topics yet.', description: 'Create one with "Create Kafka Topic…"' }];
      }, reject);
    });
    return await chosen;
  } finally {
    quickPick.dispose();
  }
}
