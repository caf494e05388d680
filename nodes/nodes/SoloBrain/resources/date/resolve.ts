import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { serviceJson } from '../../../shared/transport';
import { momentOption, timeZoneOption, withMoment } from '../../descriptions';

const show = { resource: ['date'], operation: ['resolve'] };

export const resolveDescription: INodeProperties[] = [
	{
		displayName: 'Phrase',
		name: 'phrase',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show },
		placeholder: 'e.g. vendredi prochain',
		description: 'A spoken date: "demain", "vendredi", "dans 3 jours", "fin du mois"…',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			momentOption('Reference Time', 'The moment the phrase was said (default: now)'),
			timeZoneOption,
		],
	},
];

/**
 * The date and time a spoken phrase names, deterministically: `{phrase, due, due_time}` (due
 * null if none; due_time "10:00" for « demain à 10h », null if no time is said).
 */
export async function resolve(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const phrase = this.getNodeParameter('phrase', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body = withMoment({ phrase }, options);
	const answer = await serviceJson.call(
		this,
		'classify',
		{ method: 'POST', path: '/v1/resolve-date', body },
		itemIndex,
	);
	return { json: { phrase, ...answer } };
}
