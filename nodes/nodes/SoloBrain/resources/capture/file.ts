import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import {
	captureIdField,
	captureIdOf,
	jsonParameter,
	lifecycleCall,
	setOptions,
} from '../../lifecycle';

const show = { resource: ['capture'], operation: ['file'] };

export const fileDescription: INodeProperties[] = [
	captureIdField('capture', ['file']),
	{
		displayName: 'Classification',
		name: 'result',
		type: 'json',
		default: '={{ $json }}',
		required: true,
		displayOptions: { show },
		description:
			'The Classify operation’s output, or an error item ({error: …}) to count a failed attempt and schedule the next one',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Backoff (Seconds)',
				name: 'backoffS',
				type: 'number',
				default: 60,
				typeOptions: { minValue: 0.1 },
				description: 'Delay before the first retry after a failure, doubled at each attempt',
			},
			{
				displayName: 'Long Note (Characters)',
				name: 'longNoteChars',
				type: 'number',
				default: 1500,
				typeOptions: { minValue: 1 },
				description: 'Notes at least this long also go to Onyx',
			},
			{
				displayName: 'Max Attempts',
				name: 'maxAttempts',
				type: 'number',
				default: 12,
				typeOptions: { minValue: 1 },
				description: 'Failed attempts after which the capture is failed for good',
			},
		],
	},
];

/** File a capture with its classification (its deliveries planned), or count a failed attempt. */
export async function file(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		result: jsonParameter.call(this, 'result', itemIndex, {}) as IDataObject,
		...setOptions(options, {
			backoffS: 'backoff_s',
			longNoteChars: 'long_note_chars',
			maxAttempts: 'max_attempts',
		}),
	};
	const path = `/captures/${captureIdOf.call(this, itemIndex)}/filing`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
