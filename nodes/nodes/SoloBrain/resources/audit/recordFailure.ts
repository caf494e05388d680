import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { jsonParameter, lifecycleCall } from '../../lifecycle';

const show = { resource: ['audit'], operation: ['recordFailure'] };

export const recordFailureDescription: INodeProperties[] = [
	{
		displayName: 'Workflow',
		name: 'workflow',
		type: 'json',
		default: '={{ $json.workflow }}',
		required: true,
		displayOptions: { show },
		description: 'The failed workflow, {ID, name}: the Error Trigger’s "workflow"',
	},
	{
		displayName: 'Execution',
		name: 'execution',
		type: 'json',
		default: '={{ $json.execution ?? null }}',
		displayOptions: { show },
		description:
			'The failed execution, {ID, URL, mode, lastNodeExecuted, error}: the Error Trigger’s "execution"',
	},
	{
		displayName: 'Trigger',
		name: 'trigger',
		type: 'json',
		default: '={{ $json.trigger ?? null }}',
		displayOptions: { show },
		description: 'The trigger that failed before any execution (its "error"), if so',
	},
];

/**
 * Keep a failed execution in the audit log (`workflow.failed`): `{audit_id, title, message}`,
 * the notification's words.
 */
export async function recordFailure(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const body: IDataObject = {
		workflow: jsonParameter.call(this, 'workflow', itemIndex) as IDataObject,
	};
	for (const name of ['execution', 'trigger']) {
		const value = jsonParameter.call(this, name, itemIndex, null);
		if (value !== null && value !== undefined) body[name] = value as IDataObject;
	}
	const kept = await lifecycleCall.call(this, 'POST', '/workflow-failures', itemIndex, body);
	return { json: kept as IDataObject };
}
