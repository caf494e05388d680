import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { lifecycleCall, optionsField } from '../../lifecycle';
import { todayZoneOf, todayZoneOption } from '../../routines';

export const getDayDescription: INodeProperties[] = [
	optionsField({ resource: ['briefing'], operation: ['getDay'] }, [todayZoneOption()]),
];

/** Today's date, its open actions and the overdue ones: `{date, today[], overdue[]}`. */
export async function getDay(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const qs = { tz: todayZoneOf.call(this, options) };
	const day = await lifecycleCall.call(this, 'GET', '/briefing', itemIndex, undefined, qs);
	return { json: day as IDataObject };
}
