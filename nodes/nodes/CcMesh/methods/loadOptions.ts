import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { serviceJson } from '../../shared/transport';

/** The tool calls of the chosen session that wait for a decision. */
export async function getPendingPermissions(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const session = this.getCurrentNodeParameter('session', { extractValue: true }) as string;
	if (!session) {
		return [];
	}
	const found = (await serviceJson.call(this, 'hub', {
		method: 'GET',
		path: `/api/sessions/${encodeURIComponent(session)}`,
	})) as IDataObject;
	const pending = (found.pending_permissions ?? []) as IDataObject[];
	return pending.map((p) => ({
		name: `${String(p.tool_name)}: ${JSON.stringify(p.input).slice(0, 80)}`,
		value: String(p.id),
		description: `Asked at ${String(p.requested_at)}`,
	}));
}
