import type {
	IDataObject,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';
import { serviceError } from '../shared/errors';

// postReceive steps of the declarative operations. Requests are sent with
// `ignoreHttpStatusErrors`, so that every error answer becomes a NodeApiError with the
// hub's own message and code (the hub answers `{"error": {"code", "message"}}`).

/** Fail on an error answer of the hub; otherwise the answer, paired with its input item. */
export async function hubAnswer(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	if (response.statusCode >= 400) {
		throw serviceError(this.getNode(), 'hub', response, this.getItemIndex());
	}
	return items.map((item) => ({ ...item, pairedItem: { item: this.getItemIndex() } }));
}

/** Find Session: no matching session is an error, or no output, as the user chose. */
export async function lookupAnswer(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const whenNone = this.getNodeParameter('whenNone', 'error') as string;
	if (response.statusCode === 404 && whenNone === 'nothing') {
		return [];
	}
	return await hubAnswer.call(this, items, response);
}

interface SessionFilters {
	project?: string;
	machine?: string;
	status?: string[];
	onlineOnly?: boolean;
	liveOnly?: boolean;
	pendingOnly?: boolean;
	activeSince?: string;
}

function keeps(session: IDataObject, filters: SessionFilters): boolean {
	const same = (a: unknown, b: string) => String(a ?? '').toLowerCase() === b.trim().toLowerCase();
	if (filters.project && !same(session.project, filters.project)) return false;
	if (filters.machine && !same(session.agent, filters.machine)) return false;
	if (filters.status?.length && !filters.status.includes(String(session.status))) return false;
	if (filters.onlineOnly && session.agent_online !== true) return false;
	if (filters.liveOnly && session.live !== true) return false;
	const pending = session.pending_permissions as unknown[] | undefined;
	if (filters.pendingOnly && !pending?.length) return false;
	if (filters.activeSince) {
		const last = Date.parse(String(session.last_msg_at ?? ''));
		if (Number.isNaN(last) || last < Date.parse(filters.activeSince)) return false;
	}
	return true;
}

/** List Sessions: one item per session kept by the filters, most recent first, limited. */
export async function sessionItems(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	await hubAnswer.call(this, items, response);
	const filters = this.getNodeParameter('filters', {}) as SessionFilters;
	const returnAll = this.getNodeParameter('returnAll', false) as boolean;
	const limit = this.getNodeParameter('limit', 50) as number;
	const sessions = (response.body as IDataObject[]).filter((s) => keeps(s, filters));
	const kept = returnAll ? sessions : sessions.slice(0, limit);
	return kept.map((json) => ({ json, pairedItem: { item: this.getItemIndex() } }));
}
