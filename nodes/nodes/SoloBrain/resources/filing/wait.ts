import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { serviceError } from '../../../shared/errors';
import { serviceRequest } from '../../../shared/transport';

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

const CAPTURE_ID = /^cap_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The filing's end or the told answer, as `{capture_id, status_code, answer, deferred, running, question, deliver}`.
 * A well-formed ID of a capture nobody recorded stops with a NodeOperationError saying so (the
 * service's 404); any other refusal is the service's own error.
 */
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
	const response = await serviceRequest.call(
		this,
		'classify',
		{ method: 'POST', path, body, timeout: 600_000, answerStatuses: [404] },
		itemIndex,
	);
	if (response.statusCode === 404) {
		if (!CAPTURE_ID.test(captureId)) {
			throw serviceError(this.getNode(), 'classify', response, itemIndex);
		}
		const error = new NodeOperationError(
			this.getNode(),
			`No capture ${captureId} to wait for: it was never recorded`,
			{
				itemIndex,
				description:
					'The classify service answered 404 not_found: check the Capture ID (the File operation gives it as capture_id)',
			},
		);
		error.context.service = { status: 404, code: 'not_found' };
		throw error;
	}
	return { json: response.body as IDataObject };
}
