/**
 * The stack's mail catcher (Mailpit) through its HTTP API: the messages it caught, newest
 * first (subject, sender, recipients, time), and one message's text. No vscode import.
 */
import * as z from 'zod/mini';
import { describeError, explainNetworkError, WorkbenchError } from '../shared/errors';

export interface MailSummary {
  id: string;
  subject: string;
  from: string;
  to: string[];
  created: string;
  snippet: string;
}

export interface MailMessage extends MailSummary {
  text: string;
}

const address = z.object({ Address: z.string(), Name: z.nullish(z.string()) });
const summarySchema = z.object({
  ID: z.string(),
  Subject: z.string(),
  From: z.nullish(address),
  To: z.nullish(z.array(address)),
  Created: z.string(),
  Snippet: z.nullish(z.string()),
});
const listSchema = z.object({ total: z.number(), messages: z.array(summarySchema) });
const messageSchema = z.object({
  ID: z.string(),
  Subject: z.string(),
  From: z.nullish(address),
  To: z.nullish(z.array(address)),
  Date: z.string(),
  Text: z.string(),
});

function addressText(a: z.output<typeof address> | null | undefined): string {
  if (!a) return '';
  return a.Name ? `${a.Name} <${a.Address}>` : a.Address;
}

/** A Mailpit list answer → summaries. Pure; unit-tested. */
export function parseMailList(body: unknown): { total: number; messages: MailSummary[] } {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success) throw new WorkbenchError(`The mail catcher answered a message list in an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
  return {
    total: parsed.data.total,
    messages: parsed.data.messages.map((m) => ({
      id: m.ID, subject: m.Subject, from: addressText(m.From), to: (m.To ?? []).map(addressText), created: m.Created, snippet: m.Snippet ?? '',
    })),
  };
}

export class MailCatcherClient {
  readonly url: string;

  constructor(url: string, private readonly timeoutMs = 10_000) {
    this.url = url.replace(/\/+$/, '');
  }

  private async get(path: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const explained = explainNetworkError(error, 'The mail catcher', this.url);
      throw new WorkbenchError(explained ?? `The mail catcher at ${this.url} could not be reached to ${what} (${describeError(error)}). Check that it runs (Stack view).`, { cause: error, actions: ['retry', 'showLog'] });
    }
    if (response.status === 404) throw new WorkbenchError(`The mail catcher at ${this.url} has no such message any more (it may have been deleted). Refresh the Stack view.`, { actions: ['showLog'] });
    if (!response.ok) throw new WorkbenchError(`The mail catcher at ${this.url} failed to ${what} (${response.status}).`, { actions: ['retry', 'showLog'] });
    return response.json();
  }

  /** The newest `limit` messages. */
  async list(limit = 50): Promise<{ total: number; messages: MailSummary[] }> {
    return parseMailList(await this.get(`/api/v1/messages?limit=${limit}`, 'list its messages'));
  }

  /** One message with its plain text. */
  async message(id: string): Promise<MailMessage> {
    const body = await this.get(`/api/v1/message/${encodeURIComponent(id)}`, `read message ${id}`);
    const parsed = messageSchema.safeParse(body);
    if (!parsed.success) throw new WorkbenchError(`The mail catcher answered message ${id} in an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
    const m = parsed.data;
    return { id: m.ID, subject: m.Subject, from: addressText(m.From), to: (m.To ?? []).map(addressText), created: m.Date, snippet: '', text: m.Text };
  }

  /** Deletes messages (tests clean up after themselves). */
  async delete(ids: readonly string[]): Promise<void> {
    const response = await fetch(`${this.url}/api/v1/messages`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: ids }) });
    if (!response.ok) throw new WorkbenchError(`The mail catcher at ${this.url} failed to delete messages (${response.status}).`);
  }
}

/** A message as the read-only text document shows it. */
export function mailDocumentText(message: MailMessage): string {
  return [`Subject: ${message.subject}`, `From: ${message.from}`, `To: ${message.to.join(', ')}`, `Date: ${message.created}`, '', message.text].join('\n');
}
