import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { itemsOf, lifecycleCall, optionsField } from '../../lifecycle';
import { todayZoneOf, todayZoneOption } from '../../routines';

const show = { resource: ['reminder'], operation: ['claimDue'] };

export const claimDueDescription: INodeProperties[] = [
	{
		displayName: 'Days Ahead',
		name: 'leadDays',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0, maxValue: 365 },
		displayOptions: { show },
		description:
			'Remind the actions due within this many days; 0: those due today and the overdue ones',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1, maxValue: 200 },
		displayOptions: { show },
		description: 'Max number of results to return',
	},
	optionsField(show, [todayZoneOption()]),
];

/**
 * The open actions due now, not reminded yet: one item each, `{action_id, capture_id, text,
 * due, overdue, today}`, marked reminded as they are taken (never twice).
 */
export async function claimDue(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		tz: todayZoneOf.call(this, options),
		lead_days: this.getNodeParameter('leadDays', itemIndex) as number,
		limit: this.getNodeParameter('limit', itemIndex) as number,
	};
	return itemsOf(await lifecycleCall.call(this, 'POST', '/reminders/claim', itemIndex, body));
}
