import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { serviceJson } from '../../../shared/transport';

const show = { resource: ['filing'], operation: ['wait'] };

export const waitDescription: INodeProperties[] = [
	{
		displayName: 'Capture ID',
		name: 'captureId',
		type: 'string',
		default: '={{ $json.capture_id }}',
		required: true,
		displayOptions: { show },
		description: 'The capture (cap_…)',
	},
	{
		displayName: 'Wait For',
		name: 'waitFor',
		type: 'options',
		displayOptions: { show },
		options: [
			{
				name: 'The Filing',
				value: 'filing',
				description: 'The end of the filing: a question to answer, deliveries waiting',
			},
			{
				name: 'The Told Answer',
				value: 'answer',
				description: 'The outcome told (e.g. by answer-question), as the answer to give',
			},
		],
		default: 'filing',
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'string',
		default: '',
		displayOptions: { show },
		placeholder: 'e.g. 2026-05-13T10:00:08+02:00',
		description: 'Give up then (the answer is then "on it"); empty: wait for the end',
	},
];

/** The filing's end or the told answer, as `{capture_id, status_code, answer, deferred, running, question, deliver}`. */
export async function wait(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const captureId = this.getNodeParameter('captureId', itemIndex) as string;
	const until = this.getNodeParameter('until', itemIndex, '') as string;
	const body: IDataObject = {
		answer: this.getNodeParameter('waitFor', itemIndex) === 'answer',
		...(until ? { until } : {}),
	};
	const path = `/v1/filings/${encodeURIComponent(captureId)}/wait`;
	const answer = await serviceJson.call(
		this,
		'classify',
		{ method: 'POST', path, body, timeout: 600_000 },
		itemIndex,
	);
	return { json: answer };
}
