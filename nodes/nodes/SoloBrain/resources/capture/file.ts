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
	numberOption,
	optionsField,
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
	optionsField(show, [
		numberOption(
			'Backoff (Seconds)',
			'backoffS',
			60,
			'Delay before the first retry after a failure, doubled at each attempt',
			0.1,
		),
		numberOption(
			'Long Note (Characters)',
			'longNoteChars',
			1500,
			'Notes at least this long also go to Onyx',
			1,
		),
		numberOption(
			'Max Attempts',
			'maxAttempts',
			12,
			'Failed attempts after which the capture is failed for good',
			1,
		),
	]),
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
