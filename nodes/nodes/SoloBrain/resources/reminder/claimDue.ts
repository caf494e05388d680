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
			'Remind the actions of a whole day due within this many days; 0: those due today and the overdue ones',
	},
	{
		displayName: 'Minutes Ahead',
		name: 'leadMinutes',
		type: 'number',
		default: 15,
		typeOptions: { minValue: 0, maxValue: 1440 },
		displayOptions: { show },
		description:
			'Remind an action with a time of day once its time is within this many minutes (never earlier)',
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
 * due, due_time, overdue, today, due_said, at_said}` (`due_time`: HH:MM, or null for a whole
 * day; `due_said` "lundi 1 juin" and `at_said` " à 10h" or "": the reminder's words), marked
 * reminded as they are taken (never twice).
 */
export async function claimDue(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		tz: todayZoneOf.call(this, options),
		lead_days: this.getNodeParameter('leadDays', itemIndex) as number,
		lead_min: this.getNodeParameter('leadMinutes', itemIndex, 15) as number,
		limit: this.getNodeParameter('limit', itemIndex) as number,
	};
	return itemsOf(await lifecycleCall.call(this, 'POST', '/reminders/claim', itemIndex, body));
}
